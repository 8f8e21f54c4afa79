// Offline attendance (issue 15) on the attendance page (templates/workshops/_offline.html).
//
// "Llevar sin conexión" stores the workshop, its attendance and the office's registry
// (GET /api/v1/workshops/<id>/offline/) in IndexedDB (static/js/offline_store.js) and this page
// in the private cache the service worker serves offline. With no connection, the page searches
// the stored registry, adds attendees, registers new people and removes attendees: each action is
// queued with a client UUID and listed as "pendiente de sincronizar". When the connection returns
// (the `online` event) or on "Sincronizar ahora", each action is sent once, in order, through the
// API with its UUID as `client_uuid` (a repeat answers the stored result and creates nothing),
// retried with exponential back-off when the server does not answer. A 409 is a conflict: shown
// with its choices (attach to the existing person, discard, ask the coordinator), never overwritten.
(function () {
  "use strict";
  const panel = document.getElementById("offline-panel");
  const store = window.PessOffline;
  if (!panel || !store || !window.indexedDB || !window.fetch) return;

  const T = document.getElementById("offline-texts").dataset;
  const D = panel.dataset;
  const workshopId = Number(D.workshop);
  const pagePath = window.location.pathname;
  const userMeta = document.querySelector('meta[name="pess-user"]');
  const userId = userMeta ? userMeta.content : "";
  const $ = (id) => document.getElementById(id);
  const CONFLICTS = ["workshop_approved", "period_closed", "participant_merged", "dui_exists", "possible_duplicate", "dui_taken"];
  const MAX_DELAY_S = 64;

  let carried = null; // the stored bundle of this workshop, or null
  let forcedOffline = false; // a request failed for lack of network although navigator.onLine said yes
  let syncing = false;
  let retryTimer = null;
  let lastNote = "";
  let seqCounter = 0;

  // --- helpers ---

  const isOffline = () => !navigator.onLine || forcedOffline;
  const fmt = (text, values) => (text || "").replace(/%\((\w+)\)s/g, (m, k) => (k in values ? String(values[k]) : m));
  const norm = (s) =>
    (s || "")
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/\s+/g, " ")
      .trim()
      .toLowerCase();
  const fullName = (p) => ((p.first_names || "") + " " + (p.last_names || "")).trim() || p.code || "#" + p.id;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const b = el("button", "button small " + (className || ""), text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function normalizeDui(value) {
    let raw = (value || "").replace(/\s/g, "");
    if (/^\d{9}$/.test(raw)) raw = raw.slice(0, 8) + "-" + raw[8];
    return raw;
  }

  // The same rule as core.validators.validate_dui.
  function duiError(value) {
    const m = /^(\d{8})-(\d)$/.exec(value);
    if (!m) return T.duiFormat;
    if (m[1] === "00000000") return T.duiZero;
    let total = 0;
    for (let i = 0; i < 8; i++) total += Number(m[1][i]) * (9 - i);
    return (10 - (total % 10)) % 10 === Number(m[2]) ? "" : T.duiCheck;
  }

  function when(iso) {
    const d = new Date(iso);
    const two = (n) => String(n).padStart(2, "0");
    return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
  }

  // --- the stored bundle ---

  async function loadCarried() {
    carried = (await store.exists()) ? await store.get("workshops", workshopId) : null;
    if (carried) carried.participants.forEach((p) => (p._key = norm(p.first_names + " " + p.last_names)));
  }

  async function saveCarried() {
    if (!carried) return;
    const copy = Object.assign({}, carried, {
      participants: carried.participants.map((p) => {
        const { _key, ...rest } = p;
        return rest;
      }),
    });
    await store.put("workshops", copy);
  }

  // withPage: also store this page as it is now (the service worker refreshes it on each online visit;
  // changes made through htmx need a new copy).
  async function download(withPage) {
    const response = await fetch(D.apiOffline, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "es" },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || String(response.status));
    const bundle = Object.assign(body, { id: workshopId, page: pagePath, saved_at: new Date().toISOString() });
    await store.setOwner(userId);
    await store.put("workshops", bundle);
    if (withPage && window.caches) {
      const cache = await caches.open(store.PRIVATE_CACHE);
      await cache.add(pagePath);
    }
    await loadCarried();
  }

  async function serviceWorkerReady() {
    if (!("serviceWorker" in navigator)) return;
    const timeout = new Promise((resolve) => window.setTimeout(resolve, 10000));
    await Promise.race([navigator.serviceWorker.ready, timeout]);
  }

  // --- the queue ---

  async function queue() {
    return (await store.exists()) ? store.queueFor(workshopId) : [];
  }

  // The queued item, or null when the device refused to store it (storeFailed has said so).
  async function enqueue(kind, payload, label) {
    const item = {
      uuid: newUuid(),
      seq: Date.now() * 1000 + (seqCounter++ % 1000),
      workshop: workshopId,
      kind,
      payload: Object.assign({ workshop: workshopId }, payload),
      label,
      status: "pending",
      attempts: 0,
      next_try: 0,
      created_at: new Date().toISOString(),
    };
    try {
      await store.setOwner(userId);
      await store.put("queue", item);
    } catch (error) {
      storeFailed(error);
      return null;
    }
    await render();
    if (navigator.onLine) sync(); // a request that finds no network just waits for the next try
    return item;
  }

  async function attendingIds() {
    const ids = new Set((carried ? carried.attendance : []).map((p) => p.id));
    for (const item of await queue()) {
      if (item.status !== "pending" && item.status !== "sending") continue;
      if (item.kind === "add") ids.add(item.payload.participant);
      if (item.kind === "remove") ids.delete(item.payload.participant);
    }
    return ids;
  }

  // --- offline search, over the stored registry ---

  function localSearch(text) {
    const q = (text || "").trim();
    if (!q || !carried) return [];
    const people = carried.participants;
    if (/^\d/.test(q)) {
      // The device keeps only the last digits of each DUI.
      const digits = q.replace(/\D/g, "");
      return people
        .filter((p) => {
          const end = (p.dui_end || "").replace(/\D/g, "");
          return end && (digits.length >= end.length ? digits.endsWith(end) : end.startsWith(digits));
        })
        .slice(0, 10);
    }
    const key = norm(q);
    const words = key.split(" ");
    const found = people.filter((p) => words.every((w) => p._key.includes(w)));
    found.sort((a, b) => {
      const sa = a._key.startsWith(key) ? 0 : 1;
      const sb = b._key.startsWith(key) ? 0 : 1;
      return sa - sb || (a._key < b._key ? -1 : a._key > b._key ? 1 : a.id - b.id);
    });
    return found.slice(0, 10);
  }

  // Each keystroke may start a search (the input event and htmx's delayed trigger both do): only
  // the newest one draws, and it swaps the results in at once, so a tap never lands on a list
  // that is being taken down.
  let renderSeq = 0;

  async function renderResults(text) {
    const box = $("search-results");
    if (!box) return;
    const seq = ++renderSeq;
    const q = (text || "").trim();
    const found = q ? localSearch(q) : [];
    const attending = found.length ? await attendingIds() : new Set();
    if (seq !== renderSeq) return; // a newer search replaced this one
    // The same answer again (the input event and htmx's trigger both search): keep the list that is
    // on screen, so a tap already on its way lands on the button it aimed at.
    const drawn = JSON.stringify([q, found.map((p) => [p.id, attending.has(p.id)])]);
    if (box.dataset.drawn === drawn && box.childElementCount) return;
    box.dataset.drawn = drawn;
    const content = document.createDocumentFragment();
    if (q && !found.length) content.appendChild(el("p", "hint", fmt(T.noneFound, { q })));
    if (found.length) {
      const list = el("ul", "search-results");
      list.setAttribute("aria-label", T.results);
      found.forEach((p, i) => {
        const li = el("li", "result-item" + (i === 0 ? " active" : ""));
        const form = el("form", "result-form offline-result");
        form.dataset.participant = p.id;
        form.dataset.name = fullName(p);
        form.appendChild(el("span", "result-name", fullName(p)));
        const meta = [p.dui_end ? "…" + p.dui_end : "", p.institution].filter(Boolean).join(" · ");
        form.appendChild(el("span", "meta", meta));
        if (attending.has(p.id)) {
          form.appendChild(el("span", "badge", T.already));
        } else {
          const add = el("button", "button small primary", T.add);
          add.type = "submit";
          form.appendChild(add);
        }
        li.appendChild(form);
        list.appendChild(li);
      });
      content.appendChild(list);
      if (/^\d/.test(q)) content.appendChild(el("p", "hint", T.duiHint));
    }
    box.replaceChildren(content);
  }

  function resetSearch() {
    renderSeq++; // a search still drawing must not bring the old results back
    const input = $("participant-search");
    const box = $("search-results");
    if (box) {
      box.innerHTML = "";
      delete box.dataset.drawn;
    }
    if (input) {
      input.value = "";
      input.focus({ preventScroll: true });
    }
  }

  function say(text) {
    const live = $("live-region");
    if (live) {
      live.textContent = "";
      window.setTimeout(() => (live.textContent = text), 50);
    }
  }

  // --- offline actions ---

  // The device refused to store an action (storage full or cleared, private browsing): nothing
  // was queued. Say so where the eyes are; what was typed is given back.
  function storeFailed(error) {
    const text = fmt(T.storeFailed, { detail: (error && error.message) || String(error) });
    const banner = $("offline-banner");
    if (banner) {
      banner.hidden = false;
      banner.appendChild(el("p", "offline-error", text));
    }
    say(text);
  }

  // After an action is stored, a result list drawn before it (showing "Agregar" for the person
  // just added) is drawn again for whatever the search box holds now.
  function refreshResults() {
    const input = $("participant-search");
    const box = $("search-results");
    if (box) delete box.dataset.drawn;
    if (input && input.value.trim() && isOffline() && carried) renderResults(input.value);
  }

  // The search is cleared at once, before the action is stored: the user may already be typing
  // the next name, which a late clean-up would wipe (with the results they are about to tap).
  async function queueAdd(participantId, name, dui) {
    const payload = { participant: Number(participantId) };
    if (dui) payload.participant_dui = dui;
    const input = $("participant-search");
    const typed = input ? input.value : "";
    resetSearch();
    if (!(await enqueue("add", payload, name))) {
      if (input && !input.value) input.value = typed; // given back
      return;
    }
    refreshResults();
    say(fmt(T.queuedAdd, { name }));
  }

  async function queueRemove(participantId) {
    const id = Number(participantId);
    const row = $("attendee-" + id);
    const name = row ? row.cells[0].textContent.trim() : "#" + id;
    // An addition not sent yet is simply taken back.
    const unsent = (await queue()).find(
      (i) => i.kind === "add" && i.payload.participant === id && i.status === "pending" && !i.attempts
    );
    if (unsent) {
      await store.del("queue", unsent.uuid);
      await render();
      return;
    }
    await enqueue("remove", { participant: id }, name);
  }

  function fieldErrors(form) {
    form.querySelectorAll(".offline-error").forEach((n) => n.remove());
    form.querySelectorAll(".has-error").forEach((n) => n.classList.remove("has-error"));
  }

  function showError(form, name, message) {
    const input = form.querySelector(`[name="${name}"]`);
    if (!input) return;
    const stack = input.closest(".stack") || input.parentNode;
    stack.classList.add("has-error");
    const list = el("ul", "errorlist offline-error");
    list.appendChild(el("li", "", message));
    stack.appendChild(list);
  }

  // The new-person form, checked as the server checks it (NewParticipantForm), same messages.
  function readNewPerson(form) {
    const value = (name) => {
      const input = form.querySelector(`[name="${name}"]`);
      if (!input) return "";
      return input.type === "checkbox" ? input.checked : input.value.trim();
    };
    const data = {
      first_names: value("first_names"),
      last_names: value("last_names"),
      sex: value("sex"),
      age_group: value("age_group"),
      institution_name: value("institution"),
      dui: normalizeDui(value("dui")),
      position: value("position"),
      phone: value("phone"),
      email: value("email"),
      consent: Boolean(value("consent")),
    };
    const errors = {};
    for (const name of ["first_names", "last_names", "sex", "age_group"]) if (!data[name]) errors[name] = T.required;
    if (data.dui) {
      const problem = duiError(data.dui);
      if (problem) errors.dui = problem;
    }
    if (data.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(data.email)) errors.email = T.email;
    return { data, errors };
  }

  function localDuplicates(data) {
    if (!carried) return [];
    const key = norm(data.first_names + " " + data.last_names);
    return carried.participants
      .filter((p) => p._key === key || (data.dui && p.dui_end && data.dui.endsWith(p.dui_end)))
      .slice(0, 10);
  }

  function clearSuggestion() {
    const old = $("offline-duplicates");
    if (old) old.remove();
  }

  async function queueNew(form, notDuplicate) {
    fieldErrors(form);
    clearSuggestion();
    const { data, errors } = readNewPerson(form);
    const names = Object.keys(errors);
    if (names.length) {
      names.forEach((name) => showError(form, name === "institution_name" ? "institution" : name, errors[name]));
      const first = form.querySelector(".has-error input, .has-error select");
      if (first) first.focus();
      return;
    }
    const candidates = notDuplicate ? [] : localDuplicates(data);
    if (candidates.length) {
      showSuggestion(form, data, candidates);
      return;
    }
    const label = fullName(data);
    resetSearch();
    if (!(await enqueue("new", Object.assign(data, { not_duplicate: Boolean(notDuplicate) }), label))) return;
    form.reset(); // only once the person is stored (a refusal keeps what was typed)
    refreshResults();
    say(fmt(T.queuedNew, { name: label }));
  }

  function showSuggestion(form, data, candidates) {
    const box = el("div", "message message-warning duplicate-suggestion");
    box.id = "offline-duplicates";
    box.setAttribute("role", "alert");
    const p = el("p");
    p.appendChild(el("strong", "", T.samePerson));
    p.append(" " + T.samePersonText);
    box.appendChild(p);
    const list = el("ul", "search-results");
    candidates.forEach((c) => {
      const li = el("li", "result-item");
      li.appendChild(el("span", "result-name", fullName(c)));
      li.appendChild(el("span", "meta", [c.dui_end ? "…" + c.dui_end : "", c.institution].filter(Boolean).join(" · ")));
      li.appendChild(
        button(T.yesThis, "primary", async () => {
          clearSuggestion();
          form.reset();
          await queueAdd(c.id, fullName(c));
        })
      );
      list.appendChild(li);
    });
    box.appendChild(list);
    const sameDui = data.dui && candidates.some((c) => c.dui_end && data.dui.endsWith(c.dui_end));
    if (!sameDui) box.appendChild(button(T.otherPerson, "", () => queueNew(form, true)));
    form.parentNode.insertBefore(box, form);
    box.querySelector("button").focus();
  }

  // --- sync ---

  function outcome(item, status, body) {
    item.result_status = status;
    if (item.kind === "add") return status === 201 ? T.doneAdd : T.doneAlready;
    if (item.kind === "new") return T.doneNew;
    return body && body.removed ? T.doneRemove : T.doneNotThere;
  }

  function applyToBundle(item, body) {
    if (!carried) return;
    const list = carried.attendance;
    if (item.kind === "add") {
      const person = carried.participants.find((p) => p.id === item.payload.participant);
      if (!list.some((p) => p.id === item.payload.participant))
        list.unshift(person || { id: item.payload.participant, first_names: item.label, last_names: "" });
    } else if (item.kind === "new" && body && body.participant) {
      const p = body.participant;
      const person = {
        id: p.id,
        first_names: p.first_names || "",
        last_names: p.last_names || "",
        sex: p.sex,
        age_group: p.age_group,
        institution: item.payload.institution_name || "",
        dui_end: p.dui ? p.dui.slice(-5) : "",
      };
      person._key = norm(person.first_names + " " + person.last_names);
      carried.participants.push(person);
      list.unshift(person);
    } else if (item.kind === "remove") {
      carried.attendance = list.filter((p) => p.id !== item.payload.participant);
    }
  }

  function firstMessage(body) {
    if (!body || typeof body !== "object") return "";
    if (body.detail) return String(body.detail);
    for (const [key, value] of Object.entries(body)) {
      if (key !== "code" && Array.isArray(value) && value.length) return String(value[0]);
    }
    return "";
  }

  function scheduleRetry(attempts) {
    const seconds = Math.min(2 ** attempts, MAX_DELAY_S) * (0.75 + Math.random() * 0.25);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(() => sync(), seconds * 1000);
    return Math.round(seconds);
  }

  async function send(item) {
    const url = item.kind === "add" ? D.apiAdd : item.kind === "new" ? D.apiNew : D.apiRemove;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Accept-Language": document.documentElement.lang || "es",
        "X-CSRFToken": csrf(),
      },
      body: JSON.stringify(Object.assign({}, item.payload, { client_uuid: item.uuid })),
    });
  }

  async function sync() {
    if (syncing || !navigator.onLine || !(await store.exists())) return;
    if (userId && (await store.owner()) !== userId) return;
    syncing = true;
    window.clearTimeout(retryTimer);
    let changed = false;
    let answered = false;
    lastNote = "";
    try {
      const items = (await queue()).filter((i) => i.status === "pending" || i.status === "sending");
      for (const item of items) {
        item.status = "sending";
        await store.put("queue", item);
        await render();
        let response;
        try {
          response = await send(item);
        } catch (error) {
          // No network after all: keep it, try again later with a longer wait.
          item.status = "pending";
          item.attempts += 1;
          item.detail = fmt(T.retrying, { s: scheduleRetry(item.attempts) });
          await store.put("queue", item);
          forcedOffline = true;
          break;
        }
        forcedOffline = false;
        answered = true;
        const body = await response.json().catch(() => ({}));
        if (response.ok) {
          item.status = "done";
          item.detail = outcome(item, response.status, body);
          applyToBundle(item, body);
          changed = true;
        } else if (response.status === 409 && CONFLICTS.includes(body.code)) {
          item.status = "conflict";
          item.code = body.code;
          item.detail = body.detail || "";
          item.candidates = body.candidates || [];
          item.merged_into = body.merged_into || null;
        } else if (response.status === 401 || (response.status === 403 && /^(not_authenticated|authentication_failed|permission_denied)$/.test(body.code))) {
          // The session ended (or its CSRF token): nothing was done; keep everything for later.
          item.status = "pending";
          await store.put("queue", item);
          lastNote = T.session;
          break;
        } else if (response.status === 429 || response.status >= 500) {
          item.status = "pending";
          item.attempts += 1;
          item.detail = fmt(T.retrying, { s: scheduleRetry(item.attempts) });
          await store.put("queue", item);
          break;
        } else {
          item.status = "rejected";
          item.code = body.code || String(response.status);
          item.detail = firstMessage(body) || String(response.status);
        }
        await store.put("queue", item);
      }
      if (changed) await saveCarried();
      if (answered && lastNote !== T.session) lastNote = T.synced;
    } finally {
      syncing = false;
      await render();
    }
  }

  // --- conflict choices ---

  // The choice is stored before the conflict is removed: a refused write leaves the conflict there.
  async function resolve(item, kind, payload, label) {
    if (!(await enqueue(kind, payload, label))) return;
    await store.del("queue", item.uuid);
    await render();
  }

  function choices(item) {
    const box = el("div", "offline-choices");
    const discard = button(T.discard, "danger", async () => {
      await store.del("queue", item.uuid);
      await render();
    });
    const retry = button(T.retry, "", async () => {
      item.status = "pending";
      item.attempts = 0;
      await store.put("queue", item);
      await render();
      sync();
    });
    if (item.code === "workshop_approved" || item.code === "period_closed") {
      box.appendChild(el("p", "hint", T.askCoordinator));
      box.append(retry, discard);
    } else if (item.code === "participant_merged" && item.merged_into) {
      const kept = item.merged_into;
      box.appendChild(
        button(fmt(T.useKept, { name: fullName(kept) }), "primary", () =>
          resolve(item, item.kind, { participant: kept.id }, fullName(kept))
        )
      );
      box.appendChild(discard);
    } else if (item.code === "dui_exists" || item.code === "possible_duplicate") {
      (item.candidates || []).forEach((c) => {
        const payload = { participant: c.id };
        if (c.other_office && item.payload.dui) payload.participant_dui = item.payload.dui;
        box.appendChild(button(fmt(T.attach, { name: fullName(c) }), "primary", () => resolve(item, "add", payload, fullName(c))));
      });
      if (item.code === "possible_duplicate") {
        box.appendChild(
          button(T.otherPerson, "", () => resolve(item, "new", Object.assign({}, item.payload, { not_duplicate: true }), item.label))
        );
      }
      box.appendChild(discard);
    } else {
      box.append(retry, discard);
    }
    return box;
  }

  // --- rendering ---

  async function render() {
    const items = await queue();
    const waiting = items.filter((i) => i.status === "pending" || i.status === "sending");
    const conflicts = items.filter((i) => i.status === "conflict" || i.status === "rejected");
    const offline = isOffline();

    panel.hidden = !(D.editable || carried || items.length);
    const banner = $("offline-banner");
    const lines = [];
    if (offline) lines.push(carried ? T.offlineCarried : T.offlineNotCarried);
    if (waiting.length) lines.push(fmt(T.waiting, { n: waiting.length }));
    if (!offline && waiting.length) lines.push(T.onlineWaiting);
    if (conflicts.length) lines.push(fmt(T.conflicts, { n: conflicts.length }));
    if (!offline && lastNote) lines.push(lastNote);
    banner.innerHTML = "";
    lines.forEach((line) => banner.appendChild(el("p", "", line)));
    if (!offline && lastNote === T.synced) {
      const link = el("a", "", T.reload);
      link.href = pagePath;
      banner.appendChild(link);
    }
    banner.hidden = lines.length === 0;
    banner.className = "offline-banner" + (offline ? " is-offline" : "") + (conflicts.length ? " has-conflicts" : "");
    document.body.classList.toggle("is-offline", offline);

    $("offline-state").textContent = carried
      ? fmt(T.carried, { when: when(carried.saved_at), n: carried.participants.length })
      : "";
    $("offline-carry").hidden = Boolean(carried) || !D.editable || offline;
    $("offline-drop").hidden = !carried;
    $("offline-sync").hidden = !(carried || items.length);

    const list = $("offline-queue");
    list.innerHTML = "";
    items.forEach((item) => {
      const li = el("li", "offline-item status-" + item.status);
      const head = el("div", "offline-item-head");
      head.appendChild(el("span", "offline-kind", T["kind" + item.kind[0].toUpperCase() + item.kind.slice(1)]));
      head.appendChild(el("strong", "offline-label", item.label));
      head.appendChild(el("span", "badge offline-status", T["status" + item.status[0].toUpperCase() + item.status.slice(1)]));
      li.appendChild(head);
      if (item.status === "pending" && !item.attempts) {
        head.appendChild(
          button(T.cancel, "offline-cancel", async () => {
            await store.del("queue", item.uuid);
            await render();
          })
        );
      }
      if (item.detail) li.appendChild(el("p", "offline-detail", item.detail));
      if (item.status === "conflict" || item.status === "rejected") li.appendChild(choices(item));
      list.appendChild(li);
    });
    $("offline-queue-box").hidden = items.length === 0;

    // Rows that a queued removal will take away.
    document.querySelectorAll("#attendee-rows tr.offline-removed").forEach((row) => row.classList.remove("offline-removed"));
    items
      .filter((i) => i.kind === "remove" && (i.status === "pending" || i.status === "sending"))
      .forEach((i) => {
        const row = $("attendee-" + i.payload.participant);
        if (!row) return;
        row.classList.add("offline-removed");
        const cell = row.cells[row.cells.length - 1];
        if (!cell.querySelector(".offline-will-remove")) cell.appendChild(el("span", "badge offline-will-remove", T.willRemove));
      });
  }

  // --- wiring ---

  function stop(event) {
    event.preventDefault();
    event.stopPropagation();
  }

  // Before htmx sees them (capture phase): offline, the page's forms become queued actions.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form.classList.contains("offline-result")) {
        stop(event);
        queueAdd(form.dataset.participant, form.dataset.name);
        return;
      }
      if (!isOffline() || !carried) return;
      const action = form.getAttribute("action");
      if (form.id === "participant-search-form") {
        stop(event);
        renderResults(form.querySelector("[name=q]").value);
      } else if (action === D.addUrl) {
        stop(event);
        const name = form.querySelector(".result-name");
        const dui = form.querySelector("[name=dui]");
        queueAdd(form.querySelector("[name=participant]").value, name ? name.textContent.trim() : "", dui ? dui.value : "");
      } else if (action === D.newUrl) {
        stop(event);
        queueNew(form, Boolean(form.querySelector("[name=not_duplicate]")));
      } else if (action === D.removeUrl) {
        stop(event);
        queueRemove(form.querySelector("[name=participant]").value);
      }
    },
    true
  );

  // Search as you type: from the stored registry when offline.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.detail.elt;
    if (elt && elt.id === "participant-search" && isOffline() && carried) {
      event.preventDefault();
      renderResults(elt.value);
    }
  });
  // Results the server drew (online) are not the ones this page drew.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "search-results") delete event.detail.target.dataset.drawn;
  });
  const search = $("participant-search");
  if (search) {
    search.addEventListener("input", () => {
      if (isOffline() && carried) renderResults(search.value);
    });
  }

  // An action that found no network: from now on actions are queued (errors.js offers "Reintentar").
  document.addEventListener("htmx:sendError", () => {
    forcedOffline = true;
    render();
  });

  // Online, a change made through the page refreshes the stored copy (debounced).
  let refreshTimer = null;
  document.addEventListener("htmx:afterRequest", (event) => {
    const config = event.detail.requestConfig;
    if (!carried || !event.detail.successful || !config || config.verb !== "post") return;
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => download(true).then(render).catch(() => {}), 1500);
  });

  window.addEventListener("online", () => {
    forcedOffline = false;
    render();
    sync();
  });
  window.addEventListener("offline", () => render());

  $("offline-carry").addEventListener("click", async () => {
    const state = $("offline-state");
    state.textContent = T.carrying;
    try {
      await serviceWorkerReady();
      await download(true);
    } catch (error) {
      state.textContent = fmt(T.carryFailed, { detail: error.message });
      return;
    }
    await render();
  });

  $("offline-drop").addEventListener("click", async () => {
    const waiting = (await queue()).filter((i) => i.status !== "done").length;
    if (waiting && !window.confirm(fmt(T.dropPending, { n: waiting }))) return;
    await store.deleteWorkshop(workshopId, pagePath);
    carried = null;
    await render();
  });

  $("offline-sync").addEventListener("click", () => {
    forcedOffline = false;
    sync();
  });

  async function start() {
    await loadCarried();
    if (!isOffline()) {
      // What was synchronised before this (online) page load is already in it.
      for (const item of await queue()) if (item.status === "done") await store.del("queue", item.uuid);
    }
    await render();
    if (!isOffline()) {
      if (carried) download(false).then(render).catch(() => {});
      if ((await queue()).some((i) => i.status === "pending" || i.status === "sending")) sync();
    }
  }

  start().catch(() => {});
})();
