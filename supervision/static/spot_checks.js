/* Spot-check pages: the parts of a verdict form that apply only to a failure (how it is
   passed on, an order's deadline). Everything works without it; it only tidies the forms. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  function verdictForms() {
    document.querySelectorAll(".sc-verdict form").forEach(function (form) {
      var failOnly = form.querySelector("[data-fail-only]");
      var orderOnly = form.querySelector("[data-order-only]");
      var action = form.querySelector("select[name=action]");
      var sync = function () {
        var fail = form.querySelector("input[name=verdict][value=fail]");
        if (failOnly) failOnly.hidden = !(fail && fail.checked);
        if (orderOnly && action) orderOnly.hidden = action.value !== "order";
      };
      form.addEventListener("change", sync);
      sync();
    });
  }

  function sizeMode() {
    var count = document.getElementById("f-sample_size");
    var percent = document.getElementById("f-sample_percent");
    if (!count || !percent) return;
    var sync = function () {
      var mode = document.querySelector("input[name=size_mode]:checked");
      var byPercent = mode && mode.value === "percent";
      count.disabled = byPercent;
      percent.disabled = !byPercent;
    };
    document.querySelectorAll("input[name=size_mode]").forEach(function (r) {
      r.addEventListener("change", sync);
    });
    // Typing in a box chooses its mode.
    [count, percent].forEach(function (box) {
      box.closest(".ff").addEventListener("click", function () {
        var radio = box.closest(".ff").querySelector("input[name=size_mode]");
        if (box.disabled && radio) {
          radio.checked = true;
          sync();
          box.focus();
        }
      });
    });
    sync();
  }

  ready(function () {
    verdictForms();
    sizeMode();
  });
})();
