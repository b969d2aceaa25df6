/* Hazard pages: the device's position for 随手拍, the names of chosen photos, and the parts
   of a form that only apply to one choice (现场整改's measure, a major hazard's 五落实).
   Everything works without it; it only saves taps. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  function locate() {
    var lat = document.querySelector("[data-geo=lat]");
    var lon = document.querySelector("[data-geo=lon]");
    var status = document.querySelector("[data-geo-status]");
    if (!lat || !lon || lat.value || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        if (status) status.textContent = "已记录当前位置";
      },
      function () {
        if (status) status.textContent = "未获取到位置（可以照常提交）";
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  function photoNames() {
    document.querySelectorAll("input.hz-file").forEach(function (input) {
      input.addEventListener("change", function () {
        var label = document.querySelector('[data-files-for="' + input.id + '"]');
        if (!label) return;
        var n = input.files ? input.files.length : 0;
        label.textContent = n ? "已选择 " + n + " 张照片" : "未选择照片";
      });
    });
  }

  function toggles() {
    document.querySelectorAll("[data-toggles]").forEach(function (box) {
      var target = document.getElementById(box.getAttribute("data-toggles"));
      if (!target) return;
      var sync = function () {
        target.hidden = !box.checked;
      };
      box.addEventListener("change", sync);
      sync();
    });
    document.querySelectorAll("form").forEach(function (form) {
      var five = form.querySelector("[data-shown-by-tier]");
      if (!five) return;
      var want = five.getAttribute("data-shown-by-tier");
      var sync = function () {
        var chosen = form.querySelector("input[name=tier]:checked");
        five.hidden = !chosen || chosen.value !== want;
      };
      form.querySelectorAll("input[name=tier]").forEach(function (r) {
        r.addEventListener("change", sync);
      });
      sync();
    });
  }

  ready(function () {
    locate();
    photoNames();
    toggles();
  });
})();
