// Assessment boxes: show the boxes of the chosen method and the score it gives as you pick.
(function () {
  "use strict";
  function setup(box) {
    var method = box.querySelector("[data-method]");
    if (!method) return;
    function product(names) {
      var result = 1;
      for (var i = 0; i < names.length; i++) {
        var el = box.querySelector('[name="' + names[i] + '"]');
        if (!el || el.value === "") return null;
        result *= parseFloat(el.value);
      }
      return Math.round(result * 100) / 100;
    }
    function update() {
      var m = method.value;
      box.querySelectorAll(".method-box").forEach(function (el) {
        el.hidden = (el.getAttribute("data-for") || "").split(" ").indexOf(m) < 0;
      });
      var d = product(["lec_l", "lec_e", "lec_c"]);
      var r = product(["ls_l", "ls_s"]);
      var lec = box.querySelector('[data-score="lec"]');
      var ls = box.querySelector('[data-score="ls"]');
      if (lec) lec.textContent = d === null ? "" : "D = " + d;
      if (ls) ls.textContent = r === null ? "" : "R = " + r;
    }
    box.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-assess]").forEach(setup);
  });
})();
