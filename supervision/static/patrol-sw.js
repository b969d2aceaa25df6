/* The patrol page's service worker (served as /inspector/sw.js, scope /inspector).

   It keeps the page itself and its static files in a cache so /inspector opens without a
   network: the page network-first (a fresh list whenever online, the last one otherwise),
   the static files from the cache while a fresh copy is fetched behind. Visits are not its
   business: the page keeps them in IndexedDB and sends them itself. Nothing outside the
   page and /static is touched. */
"use strict";

var CACHE = "anwang-patrol-v1";
var PAGE = "/inspector";
var SHELL = [
  PAGE,
  "/static/anwang.css",
  "/static/anwang.js",
  "/static/htmx.min.js",
  "/static/favicon.svg",
  "/static/supervision/patrol.css",
  "/static/supervision/patrol.js"
];

function usable(response) {
  // Not a redirect to the login page, not an error page.
  return response && response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(SHELL.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (r) {
          if (usable(r)) return cache.put(url, r);
        }).catch(function () { /* cached on the next visit online */ });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("anwang-patrol-") === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function page(request, url) {
  return fetch(request).then(function (response) {
    if (usable(response) && url.search === "") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(PAGE).then(function (hit) {
      return hit || new Response(
        "<!doctype html><meta charset=utf-8><title>离线</title>" +
        "<p style='font:16px sans-serif;padding:24px'>当前离线，且本机还没有保存巡查页面。请联网后打开一次巡查页面。</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
  });
}

function asset(event) {
  var request = event.request;
  var fresh = fetch(request).then(function (response) {
    if (usable(response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  });
  return caches.match(request, { ignoreSearch: true }).then(function (hit) {
    if (hit) {
      event.waitUntil(fresh.catch(function () {}));
      return hit;
    }
    return fresh;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(page(request, url));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(event));
  }
});
