// The site risk-point form: the direct level is asked only when no assessment method is chosen.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".site-point-form");
    if (!form) return;
    var method = form.querySelector("[data-method]");
    var direct = form.querySelector("[data-direct-level]");
    if (!method || !direct) return;
    function update() {
      direct.hidden = method.value !== "";
    }
    method.addEventListener("change", update);
    update();
  });
})();
