// The report form of dangerous operations: only the chosen kind's grades, the gas analysis
// only where the standard asks for it, and the validity limit of the chosen kind and grade.
(function () {
  "use strict";
  var form = document.querySelector("[data-op-form]");
  if (!form) return;
  var limits = JSON.parse(form.getAttribute("data-limits") || "{}");
  var gasKinds = (form.getAttribute("data-gas-kinds") || "").split(",");
  var kind = form.querySelector("[data-kind]");
  var grade = form.querySelector("[data-grade]");
  var gradeField = form.querySelector("[data-grade-field]");
  var gas = form.querySelector("[data-gas]");
  var hint = form.querySelector("[data-limit-hint]");

  function currentGrade() {
    var v = grade.value || "";
    var i = v.indexOf(":");
    return i >= 0 && v.slice(0, i) === kind.value ? v.slice(i + 1) : "";
  }

  function update() {
    var k = kind.value;
    var groups = grade.querySelectorAll("optgroup");
    var hasGrades = false;
    for (var i = 0; i < groups.length; i++) {
      var mine = groups[i].getAttribute("data-for") === k;
      groups[i].hidden = !mine;
      groups[i].disabled = !mine;
      hasGrades = hasGrades || mine;
    }
    if (grade.value && grade.value.indexOf(k + ":") !== 0) grade.value = "";
    gradeField.hidden = !hasGrades;
    gas.hidden = gasKinds.indexOf(k) < 0;
    var table = limits[k] || {};
    var g = hasGrades ? currentGrade() : "";
    var lim = table[g];
    if (lim) {
      hint.textContent = "有效期上限 " + lim[0] + " 小时：" + lim[2];
      hint.classList.toggle("own", !lim[1]);
    } else {
      hint.textContent = "请选择作业级别，系统将按 GB 30871-2022 提示有效期上限";
      hint.classList.remove("own");
    }
  }

  kind.addEventListener("change", update);
  grade.addEventListener("change", update);
  update();
})();
