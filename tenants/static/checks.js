/* Checks: the device's position into the check form (if it gives one; the form works
   without), and each item card coloured by its chosen result. */
(function () {
  "use strict";

  function locate(form) {
    var status = document.getElementById("geo-status");
    if (!navigator.geolocation || !form.elements.lat || form.elements.lat.value) return;
    if (status) status.textContent = "检查位置：正在定位…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        form.elements.accuracy.value = Math.round(pos.coords.accuracy);
        if (status) {
          status.textContent = "已记录检查位置（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
          status.dataset.state = "done";
        }
      },
      function () {
        if (status) status.textContent = "检查位置：未能定位（不影响提交）";
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function markResult(event) {
    var input = event.target;
    if (!input.matches(".choice input")) return;
    var item = input.closest(".check-item");
    if (!item) return;
    item.classList.remove("is-ok", "is-not_ok", "is-na", "invalid");
    item.classList.add("is-" + input.value);
    if (input.value === "not_ok") {
      var note = item.querySelector(".check-note");
      if (note && !note.value) note.focus();
    }
  }

  function submitting(event) {
    var button = event.target.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
      button.textContent = "正在提交…";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-geo]").forEach(function (form) {
      locate(form);
      form.addEventListener("change", markResult);
      form.addEventListener("submit", submitting);
    });
  });
})();
