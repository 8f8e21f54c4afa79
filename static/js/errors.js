// htmx actions that fail say so (issue 17): a server error, no connection or a timeout shows a
// message next to the action, what the user typed stays in the form (htmx swaps nothing on an
// error), and a "Reintentar" button sends the same request again. The texts come translated
// from base.html (#htmx-failure-text); the reference code from the error page's header.
(function () {
  "use strict";
  const TIMEOUT_MS = 20000; // under gunicorn's 60 s: a stuck request is reported, not waited for

  function texts() {
    const node = document.getElementById("htmx-failure-text");
    return node ? node.dataset : {};
  }

  function anchorFor(elt) {
    // Next to the action: after its form (the search box's form, an "Agregar" form...).
    return (elt && elt.closest && elt.closest("form")) || elt;
  }

  function clear(elt) {
    const anchor = anchorFor(elt);
    const next = anchor && anchor.nextElementSibling;
    if (next && next.classList.contains("htmx-failure")) next.remove();
  }

  function retry(elt, config) {
    if (elt.tagName === "FORM") {
      elt.requestSubmit();
    } else {
      htmx.ajax(config.verb.toUpperCase(), config.path, { source: elt, target: config.target });
    }
  }

  function show(event, kind) {
    const elt = event.detail.elt;
    if (!elt || !document.body.contains(elt)) return;
    const t = texts();
    const xhr = event.detail.xhr;
    let text = t.error;
    if (kind === "offline") text = t.offline;
    else if (kind === "timeout") text = t.timeout;
    else if (xhr && xhr.status === 503) text = t.recovering;
    else if (xhr && (xhr.status === 403 || xhr.status === 401)) text = t.forbidden;
    clear(elt);
    const box = document.createElement("div");
    box.className = "message message-error htmx-failure";
    box.setAttribute("role", "alert");
    const p = document.createElement("span");
    p.textContent = text || "Error";
    box.appendChild(p);
    const reference = xhr && xhr.getResponseHeader && xhr.getResponseHeader("X-Error-Reference");
    if (reference) {
      const ref = document.createElement("small");
      ref.className = "htmx-failure-reference";
      ref.textContent = (t.reference || "Ref.") + ": " + reference;
      box.appendChild(ref);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small";
    button.textContent = t.retry || "Reintentar";
    const config = event.detail.requestConfig;
    button.addEventListener("click", () => {
      box.remove();
      retry(elt, config);
    });
    box.appendChild(button);
    anchorFor(elt).insertAdjacentElement("afterend", box);
  }

  function install() {
    if (!window.htmx) return;
    htmx.config.timeout = TIMEOUT_MS;
    document.body.addEventListener("htmx:responseError", (e) => show(e, "server"));
    document.body.addEventListener("htmx:sendError", (e) => show(e, "offline"));
    document.body.addEventListener("htmx:timeout", (e) => show(e, "timeout"));
    document.body.addEventListener("htmx:afterRequest", (e) => {
      if (e.detail.successful) clear(e.detail.elt);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", install);
  else install();
})();
