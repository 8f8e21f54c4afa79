// The device's offline store (issue 15): a small promise wrapper over IndexedDB, no library.
//
// Database "pess-offline":
//   meta       {key, value}            "owner": the id of the user whose data this is
//   workshops  {id, workshop, attendance, participants, generated_at, saved_at}
//              what "Llevar sin conexión" downloaded (GET /api/v1/workshops/<id>/offline/)
//   queue      {uuid, workshop, kind: "add" | "new" | "remove", payload, label, status, ...}
//              actions recorded offline, sent once each with their UUID (see offline_attendance.js)
// The attendance pages of carried workshops are kept in the Cache Storage "pess-private-v1"
// (the service worker, static/js/sw.js, serves them when there is no connection).
// clearAll() removes all of it: on logout, and when another user signs in on the device.
(function () {
  "use strict";
  const DB_NAME = "pess-offline";
  const DB_VERSION = 1;
  const PRIVATE_CACHE = "pess-private-v1";
  let opening = null;

  function promisify(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function open() {
    if (!window.indexedDB) return Promise.reject(new Error("IndexedDB no disponible"));
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
          if (!db.objectStoreNames.contains("workshops")) db.createObjectStore("workshops", { keyPath: "id" });
          if (!db.objectStoreNames.contains("queue")) {
            const queue = db.createObjectStore("queue", { keyPath: "uuid" });
            queue.createIndex("workshop", "workshop");
          }
        };
        request.onsuccess = () => {
          const db = request.result;
          // Another tab deleting the database (logout) must not be blocked by this one.
          db.onversionchange = () => {
            db.close();
            opening = null;
          };
          resolve(db);
        };
        request.onerror = () => {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  async function run(storeName, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      let result;
      Promise.resolve(fn(tx.objectStore(storeName))).then((value) => {
        result = value;
      }, reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const get = (store, key) => run(store, "readonly", (s) => promisify(s.get(key)));
  const put = (store, value) => run(store, "readwrite", (s) => promisify(s.put(value)));
  const del = (store, key) => run(store, "readwrite", (s) => promisify(s.delete(key)));
  const all = (store) => run(store, "readonly", (s) => promisify(s.getAll()));

  function queueFor(workshopId) {
    return run("queue", "readonly", (s) => promisify(s.index("workshop").getAll(workshopId))).then((items) =>
      items.sort((a, b) => a.seq - b.seq)
    );
  }

  async function deleteWorkshop(workshopId, pagePath) {
    await del("workshops", workshopId);
    const items = await queueFor(workshopId);
    for (const item of items) await del("queue", item.uuid);
    if (window.caches && pagePath) {
      const cache = await caches.open(PRIVATE_CACHE);
      await cache.delete(pagePath);
    }
  }

  function deleteDatabase() {
    return new Promise((resolve) => {
      const finish = () => resolve();
      const go = () => {
        const request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = finish;
        request.onerror = finish;
        request.onblocked = finish; // deleted as soon as the other tabs let go (onversionchange)
      };
      if (!opening) return go();
      opening.then(
        (db) => {
          db.close();
          opening = null;
          go();
        },
        () => {
          opening = null;
          go();
        }
      );
    });
  }

  // Every private thing on this device: the database and the cached attendance pages.
  async function clearAll() {
    if (window.indexedDB) await deleteDatabase();
    if (window.caches) {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("pess-private")).map((n) => caches.delete(n)));
    }
  }

  // Does this device hold the database at all? (Opening it would create it.)
  async function exists() {
    if (!window.indexedDB) return false;
    if (!indexedDB.databases) return true;
    const list = await indexedDB.databases();
    return list.some((d) => d.name === DB_NAME);
  }

  async function pendingCount() {
    if (!(await exists())) return 0;
    const items = await all("queue");
    return items.filter((i) => i.status !== "done").length;
  }

  window.PessOffline = {
    PRIVATE_CACHE,
    get,
    put,
    del,
    all,
    queueFor,
    deleteWorkshop,
    clearAll,
    exists,
    pendingCount,
    async owner() {
      const row = await get("meta", "owner");
      return row ? row.value : null;
    },
    setOwner(userId) {
      return put("meta", { key: "owner", value: String(userId) });
    },
  };
})();
