// Service worker of the field app (issue 15), served at /sw.js (scope "/") by
// pess_tracker.pwa.service_worker, which puts `self.PESS_SW` in front of this file:
//   {version, shell: [static URLs and the offline page], offline: URL, static: STATIC_URL}
//
// Caches:
//   pess-shell-<version>  the app shell (CSS, JS, icons, the offline page): no personal data;
//                         versioned, the old ones are deleted when a new version activates.
//   pess-private-v1       the attendance pages of the workshops this device carries offline
//                         (put there by offline_attendance.js; cleared on logout).
// Never cached: the API (/api/), any other page, any POST.
/* global self, caches, fetch */
"use strict";

const CONFIG = self.PESS_SW;
const SHELL = "pess-shell-" + CONFIG.version;
const PRIVATE = "pess-private-v1";
const NETWORK_TIMEOUT_MS = 6000;
const CARRIED_PAGE = /^\/talleres\/\d+\/$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(CONFIG.shell))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("pess-shell-") && n !== SHELL).map((n) => caches.delete(n)))
      )
      .then(() => self.clients.claim())
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

async function shellFirst(request) {
  const cached = await caches.match(request, { cacheName: SHELL });
  return cached || fetch(request);
}

// Pages: the network first. A carried workshop's page refreshes its stored copy on the way; with
// no network (or no answer in time) the stored copy, else the offline page.
async function page(request) {
  const url = new URL(request.url);
  const carried = CARRIED_PAGE.test(url.pathname);
  const key = url.origin + url.pathname;
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (carried && response.ok && !response.redirected) {
      const cache = await caches.open(PRIVATE);
      if (await cache.match(key)) await cache.put(key, response.clone());
    }
    return response;
  } catch (error) {
    if (carried) {
      const stored = await caches.match(key, { cacheName: PRIVATE });
      if (stored) return stored;
    }
    const offline = await caches.match(CONFIG.offline, { cacheName: SHELL });
    return offline || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(shellFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});
