/* The patrol tablet page (/inspector): the list (today / this cycle, nearest first when the
   tablet gives a location), the visit form, and the outbox.

   A saved visit goes into IndexedDB first (with its photos as blobs and an idempotency key
   made here), then is sent; if the network is down or the answer is lost, it stays there and
   is sent again when the network returns. The server stores a visit once per key, so a
   resend after a lost answer is harmless. The page says what is still unsent and why.
   The service worker (/inspector/sw.js) keeps the page itself available offline. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("patrol-data").textContent);
  var DB_NAME = "anwang-patrol";
  var STORE = "visits";
  var SHRINK_ABOVE = 1.5 * 1024 * 1024; // photos larger than this are scaled down first
  var SHRINK_TO = 1920; // px, long side
  var RETRY_MS = 30000;
  var KEEP_SENT = 20;

  var $ = function (id) { return document.getElementById(id); };
  var position = null; // {lat, lon, accuracy}
  var current = null; // the enterprise being visited
  var checkin = null; // {at, lat, lon, accuracy}
  var sending = false;

  /* ---- IndexedDB ---------------------------------------------------------------------- */

  var dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore(STORE, { keyPath: "key" });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("aborted")); };
      });
    });
  }

  function allRecords() {
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    });
  }
  function putRecord(r) { return withStore("readwrite", function (s) { s.put(r); }); }
  function deleteRecord(key) { return withStore("readwrite", function (s) { s.delete(key); }); }

  /* ---- small helpers ------------------------------------------------------------------ */

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function metres(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dp / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function distanceText(m) {
    return m < 1000 ? Math.round(m) + " 米" : (m / 1000).toFixed(1) + " 公里";
  }

  function clock(iso) {
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)anwang_csrf=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"]; } catch (e) { return ""; }
  }

  function text(el, value) { el.textContent = value; return el; }
  function make(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (value !== undefined) el.textContent = value;
    return el;
  }

  /* ---- location and the list -------------------------------------------------------- */

  function locate(done) {
    if (!navigator.geolocation) { done(null, "本设备不支持定位"); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      position = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
      done(position, "");
    }, function (err) {
      done(null, err && err.code === 1 ? "未允许定位" : "暂时无法获得位置");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  var items = Array.prototype.slice.call(document.querySelectorAll(".pt-item"));
  var tab = "today";

  function showTab(name) {
    tab = name;
    document.querySelectorAll(".pt-tabs button").forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.classList.toggle("on", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var shown = 0;
    items.forEach(function (li) {
      var visible = name === "cycle" || (li.getAttribute("data-today") === "1" && li.getAttribute("data-status") === "planned");
      li.hidden = !visible;
      if (visible) shown += 1;
    });
    var none = $("today-empty");
    if (none) none.hidden = !(name === "today" && shown === 0);
  }

  function sortItems() {
    var list = $("assignments");
    if (!list) return;
    items.forEach(function (li) {
      var lat = parseFloat(li.getAttribute("data-lat")), lon = parseFloat(li.getAttribute("data-lon"));
      var d = position && !isNaN(lat) ? metres(position.lat, position.lon, lat, lon) : null;
      li._distance = d;
      text(li.querySelector(".pt-distance"), d === null ? "" : "· 距您 " + distanceText(d));
    });
    items.sort(function (a, b) {
      if (position) {
        var da = a._distance === null ? Infinity : a._distance, db = b._distance === null ? Infinity : b._distance;
        if (da !== db) return da - db;
      }
      var ka = a.getAttribute("data-due"), kb = b.getAttribute("data-due");
      if (ka !== kb) return ka < kb ? -1 : 1;
      return a.getAttribute("data-name").localeCompare(b.getAttribute("data-name"), "zh-CN");
    });
    items.forEach(function (li) { list.appendChild(li); });
    text($("sort-note"), position
      ? "已按距离由近到远排列（定位精度约 " + Math.round(position.accuracy) + " 米）"
      : "按计划日期排序；允许定位后按距离由近到远排列");
  }

  function byNearest() {
    text($("sort-note"), "正在定位…");
    locate(function (pos, why) {
      if (!pos) text($("sort-note"), why + "，按计划日期排序");
      else sortItems();
    });
  }

  /* ---- the visit form ------------------------------------------------------------------ */

  function itemOf(tenant) {
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-tenant") === String(tenant)) return items[i];
    }
    return null;
  }

  function doCheckin() {
    checkin = { at: new Date().toISOString(), lat: null, lon: null, accuracy: null };
    var info = $("checkin-info");
    text(info, clock(checkin.at) + " · 正在定位…");
    locate(function (pos, why) {
      if (!checkin) return;
      if (!pos) { text(info, clock(checkin.at) + " · " + why + "（可继续巡查，位置不记录）"); return; }
      checkin.lat = pos.lat; checkin.lon = pos.lon; checkin.accuracy = pos.accuracy;
      var far = current && current.lat !== null
        ? "，距企业登记位置 " + distanceText(metres(pos.lat, pos.lon, current.lat, current.lon))
        : "，企业未登记坐标";
      text(info, clock(checkin.at) + " · 已定位（精度约 " + Math.round(pos.accuracy) + " 米）" + far);
      sortItems();
    });
  }

  function openVisit(li) {
    var lat = parseFloat(li.getAttribute("data-lat")), lon = parseFloat(li.getAttribute("data-lon"));
    current = {
      tenant_id: parseInt(li.getAttribute("data-tenant"), 10),
      name: li.getAttribute("data-name"),
      lat: isNaN(lat) ? null : lat,
      lon: isNaN(lon) ? null : lon
    };
    var form = $("visit-form");
    form.reset();
    $("findings").innerHTML = "";
    text($("v-photos-info"), "未选择照片");
    $("visit-error").hidden = true;
    form.querySelectorAll(".pt-check").forEach(function (c) { c.classList.remove("invalid"); });
    text($("v-name"), "现场巡查：" + current.name);
    $("visit").hidden = false;
    $("patrol-list").hidden = true;
    doCheckin();
    $("visit").scrollIntoView({ block: "start" });
  }

  function closeVisit() {
    current = null;
    checkin = null;
    $("visit").hidden = true;
    $("patrol-list").hidden = false;
  }

  function addFinding() {
    var box = $("findings");
    if (box.children.length >= DATA.findings_max) {
      showFormError("一次巡查最多登记" + DATA.findings_max + "条问题");
      return;
    }
    var node = $("finding-template").content.firstElementChild.cloneNode(true);
    box.appendChild(node);
    renumber();
    node.querySelector(".f-title").focus();
  }

  function renumber() {
    Array.prototype.forEach.call($("findings").children, function (f, i) {
      text(f.querySelector(".pt-finding-no"), "问题 " + (i + 1));
    });
  }

  function showFormError(message) {
    var el = $("visit-error");
    text(el, message);
    el.hidden = false;
    el.scrollIntoView({ block: "center" });
  }

  function filesOf(input) { return Array.prototype.slice.call(input.files || []); }

  function shrink(file) {
    if (file.size <= SHRINK_ABOVE || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, SHRINK_TO / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function photosOf(input) {
    return Promise.all(filesOf(input).map(function (f) {
      return shrink(f).then(function (blob) { return { blob: blob, name: f.name || "photo.jpg" }; });
    }));
  }

  function collect() {
    var form = $("visit-form");
    var results = [], missing = [];
    form.querySelectorAll(".pt-check").forEach(function (c) {
      var code = c.getAttribute("data-code");
      var picked = c.querySelector("input[type=radio]:checked");
      var note = c.querySelector(".pt-note").value.trim();
      c.classList.toggle("invalid", !picked);
      if (!picked) missing.push(c.querySelector("legend b").textContent);
      else results.push({ code: code, result: picked.value, note: note });
    });
    if (missing.length) return { error: "检查表还有未填写的项目：" + missing.join("、") };
    var findings = [];
    var blank = false;
    Array.prototype.forEach.call($("findings").children, function (f) {
      var title = f.querySelector(".f-title").value.trim();
      if (!title) blank = true;
      findings.push({ title: title, description: f.querySelector(".f-desc").value.trim(), input: f.querySelector(".f-photos") });
    });
    if (blank) return { error: "请填写每条问题的内容，或删除空的问题" };
    var photos = filesOf($("v-photos"));
    if (photos.length > DATA.photo_limit) return { error: "现场照片最多" + DATA.photo_limit + "张" };
    for (var i = 0; i < findings.length; i++) {
      if (filesOf(findings[i].input).length > DATA.photo_limit) return { error: "每条问题的照片最多" + DATA.photo_limit + "张" };
    }
    return { results: results, findings: findings };
  }

  function save(event) {
    event.preventDefault();
    if (!current) return;
    var got = collect();
    if (got.error) { showFormError(got.error); return; }
    var button = $("save-visit");
    button.disabled = true;
    var visitTo = current, at = checkin || { at: new Date().toISOString() };
    Promise.all([photosOf($("v-photos"))].concat(got.findings.map(function (f) { return photosOf(f.input); })))
      .then(function (all) {
        var record = {
          key: uuid(),
          user_id: DATA.user_id,
          name: visitTo.name,
          saved_at: new Date().toISOString(),
          status: "unsent",
          attempts: 0,
          last_error: "",
          visit: {
            idempotency_key: null,
            tenant_id: visitTo.tenant_id,
            checked_in_at: at.at,
            lat: at.lat === undefined ? null : at.lat,
            lon: at.lon === undefined ? null : at.lon,
            accuracy_m: at.accuracy === undefined ? null : at.accuracy,
            results: got.results,
            note: $("v-note").value.trim(),
            findings: got.findings.map(function (f) { return { title: f.title, description: f.description }; })
          },
          photos: all[0],
          finding_photos: all.slice(1)
        };
        record.visit.idempotency_key = record.key;
        return putRecord(record).then(function () { return record; });
      })
      .then(function (record) {
        closeVisit();
        mark(record);
        return render().then(sendAll);
      })
      .catch(function (e) {
        showFormError("无法保存到本机：" + (e && e.message ? e.message : e) + "。请勿关闭页面，稍后重试");
      })
      .then(function () { button.disabled = false; });
  }

  function mark(record) {
    var li = itemOf(record.visit.tenant_id);
    if (!li) return;
    var badge = li.querySelector(".pt-status");
    if (record.status === "sent") {
      li.setAttribute("data-status", "visited");
      badge.className = "badge active pt-status";
      text(badge, "已巡查");
    } else {
      li.setAttribute("data-status", "saved");
      badge.className = "badge suspended pt-status";
      text(badge, "已保存，待发送");
    }
    text(li.querySelector(".pt-start"), "再次巡查");
    showTab(tab);
  }

  /* ---- the outbox ---------------------------------------------------------------------- */

  function render() {
    return allRecords().then(function (rows) {
      var mine = rows.filter(function (r) { return r.user_id === DATA.user_id; });
      var others = rows.filter(function (r) { return r.user_id !== DATA.user_id && r.status !== "sent"; });
      var unsent = mine.filter(function (r) { return r.status !== "sent"; });
      var sent = mine.filter(function (r) { return r.status === "sent"; }).reverse();
      mine.forEach(mark);
      text($("unsent-count"), String(unsent.length));
      var list = $("outbox-list");
      list.innerHTML = "";
      if (!unsent.length) list.appendChild(make("li", "muted", "没有待发送的记录"));
      unsent.forEach(function (r) {
        var li = make("li", "pt-record unsent");
        li.setAttribute("data-key", r.key);
        li.appendChild(make("b", "", r.name));
        li.appendChild(make("span", "", "保存于 " + clock(r.saved_at) +
          (r.attempts ? " · 已尝试发送 " + r.attempts + " 次" : " · 尚未发送") +
          (r.visit.findings.length ? " · 问题 " + r.visit.findings.length + " 条" : "")));
        if (r.last_error) li.appendChild(make("span", "pt-record-error", r.last_error));
        if (r.rejected) {
          var drop = make("button", "btn ghost pt-drop", "删除此记录");
          drop.type = "button";
          drop.addEventListener("click", function () {
            if (window.confirm("删除后这条巡查记录将无法恢复，确定删除？")) deleteRecord(r.key).then(render);
          });
          li.appendChild(drop);
        }
        list.appendChild(li);
      });
      var done = $("sent-list");
      done.innerHTML = "";
      if (!sent.length) done.appendChild(make("li", "muted", "暂无"));
      sent.slice(0, KEEP_SENT).forEach(function (r) {
        var li = make("li", "pt-record sent");
        li.setAttribute("data-key", r.key);
        var link = make("a", "", r.name);
        link.href = "/patrol/visits/" + r.server_id;
        li.appendChild(link);
        li.appendChild(make("span", "", "已发送 " + clock(r.sent_at) +
          (r.hazards ? " · 已推送隐患 " + r.hazards + " 条" : "")));
        done.appendChild(li);
      });
      var last = unsent.filter(function (r) { return r.last_error; }).pop();
      var errorBox = $("last-error");
      errorBox.hidden = !last;
      if (last) text(errorBox, "最近一次发送失败：" + last.last_error);
      var state = unsent.length
        ? "有 " + unsent.length + " 条记录尚未发送到服务器" + (navigator.onLine ? "" : "（当前离线，联网后自动发送）")
        : "所有巡查记录均已发送";
      if (others.length) state += "；另有其他账号保存的 " + others.length + " 条，需该账号登录后发送";
      text($("sync-state"), state);
      $("send-now").hidden = !unsent.length;
      pruneSent(sent);
      return unsent.length;
    });
  }

  function pruneSent(sent) {
    sent.slice(KEEP_SENT).forEach(function (r) { deleteRecord(r.key); });
  }

  function formOf(r) {
    var fd = new FormData();
    fd.append("visit", JSON.stringify(r.visit));
    (r.photos || []).forEach(function (p) { fd.append("photo", p.blob, p.name); });
    (r.finding_photos || []).forEach(function (list, i) {
      (list || []).forEach(function (p) { fd.append("finding." + i, p.blob, p.name); });
    });
    return fd;
  }

  function failure(status, body) {
    var detail = body && body.detail ? body.detail : "";
    if (status === 403) return { message: detail || "页面已过期或无权发送，请联网刷新页面后重试", stop: true };
    if (status === 413) return { message: detail || "照片太大，无法发送", rejected: true };
    if (status >= 500) return { message: "服务器暂时无法处理（" + status + "），稍后自动重试", stop: true };
    return { message: detail || "服务器拒绝了这条记录（" + status + "）", rejected: true };
  }

  function sendOne(r) {
    r.attempts = (r.attempts || 0) + 1;
    r.last_attempt_at = new Date().toISOString();
    return fetch("/inspector/visits", {
      method: "POST",
      body: formOf(r),
      headers: { "x-csrftoken": csrfToken(), "accept": "application/json" },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        r.last_error = "登录已失效，请重新登录后发送（记录仍保存在本机）";
        return putRecord(r).then(function () { return false; });
      }
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.status === 200 || response.status === 201) {
          r.status = "sent";
          r.sent_at = new Date().toISOString();
          r.server_id = body.id;
          r.hazards = (body.hazard_ids || []).length;
          r.last_error = "";
          r.photos = [];
          r.finding_photos = [];
          return putRecord(r).then(function () { return true; });
        }
        var f = failure(response.status, body);
        r.last_error = f.message;
        r.rejected = !!f.rejected;
        return putRecord(r).then(function () { return !f.stop; });
      });
    }, function () {
      r.last_error = "网络不可用，联网后自动发送";
      return putRecord(r).then(function () { return false; });
    });
  }

  function sendAll() {
    if (sending) return Promise.resolve();
    sending = true;
    return allRecords().then(function (rows) {
      var queue = rows.filter(function (r) { return r.user_id === DATA.user_id && r.status !== "sent" && !r.rejected; });
      var next = function (i) {
        if (i >= queue.length) return Promise.resolve();
        return sendOne(queue[i]).then(function (goOn) { return render().then(function () { return goOn ? next(i + 1) : null; }); });
      };
      return next(0);
    }).catch(function () { /* reported per record */ }).then(function () {
      sending = false;
      return render();
    });
  }

  function network() {
    var el = $("net-state");
    el.classList.toggle("offline", !navigator.onLine);
    text(el, navigator.onLine ? "在线" : "离线：清单为 " + clock(DATA.rendered_at) + " 的副本，记录保存在本机");
  }

  /* ---- wiring ---------------------------------------------------------------------------- */

  document.querySelectorAll(".pt-tabs button").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
  });
  items.forEach(function (li) {
    li.querySelector(".pt-start").addEventListener("click", function () { openVisit(li); });
  });
  $("sort-near").addEventListener("click", byNearest);
  $("checkin").addEventListener("click", doCheckin);
  $("add-finding").addEventListener("click", addFinding);
  $("findings").addEventListener("click", function (e) {
    var remove = e.target.closest(".pt-remove");
    if (remove) { remove.closest(".pt-finding").remove(); renumber(); }
  });
  $("findings").addEventListener("change", function (e) {
    if (e.target.classList.contains("f-photos")) {
      var n = filesOf(e.target).length;
      text(e.target.closest(".pt-finding").querySelector(".f-photos-info"), n ? "已选择 " + n + " 张照片" : "未选择照片");
    }
  });
  $("v-photos").addEventListener("change", function () {
    var n = filesOf($("v-photos")).length;
    text($("v-photos-info"), n ? "已选择 " + n + " 张照片" : "未选择照片");
  });
  $("visit-form").addEventListener("submit", save);
  $("cancel-visit").addEventListener("click", closeVisit);
  $("send-now").addEventListener("click", sendAll);
  window.addEventListener("online", function () { network(); sendAll(); });
  window.addEventListener("offline", function () { network(); render(); });
  setInterval(function () { if (navigator.onLine) sendAll(); }, RETRY_MS);
  // Signing out clears the cached page (it is this user's list), never the unsent visits.
  document.querySelectorAll("form[action='/logout']").forEach(function (f) {
    f.addEventListener("submit", function () { if (window.caches) caches.delete("anwang-patrol-v1"); });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/inspector/sw.js", { scope: "/inspector" }).catch(function () {
      text($("sync-state"), "本浏览器无法启用离线模式（需 HTTPS），离线时请勿刷新页面");
    });
  }

  network();
  showTab("today");
  sortItems();
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (s) {
      if (s.state === "granted") byNearest();
    }).catch(function () {});
  }
  render().then(sendAll).catch(function (e) {
    text($("sync-state"), "无法读取本机保存的记录：" + (e && e.message ? e.message : e));
  });
})();
