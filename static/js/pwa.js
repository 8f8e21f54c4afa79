// The installable field app (issue 15): registers the service worker (/sw.js), clears the
// device's private data on logout and when another user signs in, and lists the workshops this
// device carries on the offline page. Needs static/js/offline_store.js (window.PessOffline).
(function () {
  "use strict";
  const store = window.PessOffline;
  const meta = document.querySelector('meta[name="pess-user"]');
  const userId = meta ? meta.content : "";

  function register() {
    if (!("serviceWorker" in navigator) || !userId) return;
    const url = meta.dataset.sw;
    if (url) navigator.serviceWorker.register(url, { scope: "/" }).catch(() => {});
  }

  // Logout: everything private on this device goes first (then the server's Clear-Site-Data
  // header repeats it). Actions not yet synchronised would be lost: ask before.
  function hookLogout() {
    document.querySelectorAll("form[data-clear-offline]").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        if (form.dataset.cleared) return;
        event.preventDefault();
        let waiting = 0;
        try {
          waiting = await store.pendingCount();
        } catch (e) {
          waiting = 0;
        }
        if (waiting && !window.confirm(form.dataset.pendingWarning.replace("%(n)s", waiting))) return;
        try {
          await store.clearAll();
        } finally {
          form.dataset.cleared = "1";
          form.submit();
        }
      });
    });
  }

  // Another user on this device: the previous user's data is not theirs to see.
  async function checkOwner() {
    if (!userId || !(await store.exists())) return;
    const owner = await store.owner();
    if (owner !== null && owner !== userId) await store.clearAll();
  }

  // The offline page (/sin-conexion/): links to the workshops this device carries.
  async function listCarried() {
    const list = document.getElementById("offline-workshops");
    if (!list || !(await store.exists())) return;
    const rows = await store.all("workshops");
    const queue = await store.all("queue");
    rows.forEach((row) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = row.page;
      a.textContent = row.workshop.title;
      li.appendChild(a);
      const waiting = queue.filter((q) => q.workshop === row.id && q.status !== "done").length;
      if (waiting) {
        const span = document.createElement("span");
        span.className = "badge";
        span.textContent = list.dataset.pending.replace("%(n)s", waiting);
        li.append(" ", span);
      }
      list.appendChild(li);
    });
    const empty = document.getElementById("offline-none");
    if (empty) empty.hidden = rows.length > 0;
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!store) return;
    hookLogout();
    checkOwner().catch(() => {});
    listCarried().catch(() => {});
    register();
  });
})();
