// Small progressive enhancements; every page works without JavaScript.
document.documentElement.classList.add("js");

document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});

(function () {
  "use strict";

  // The phone header: one "Menú" button opens the navigation, the account and the language links.
  function setUpMenu() {
    const button = document.querySelector(".menu-button");
    const menu = document.getElementById("site-menu");
    if (!button || !menu) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  // Is the element entirely inside the visible viewport?
  function inView(el) {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }

  // Announce the newest messages in the live region, and bring them (and `also`) into view.
  function announce(root, also) {
    const list = (root || document).querySelector(".messages");
    const live = document.getElementById("live-region");
    if (!list) return;
    const text = Array.from(list.querySelectorAll(".message"))
      .map((m) => m.textContent.trim())
      .join(" ");
    if (live && text) {
      live.textContent = "";
      window.setTimeout(() => { live.textContent = text; }, 50);
    }
    const target = also && also.isConnected ? also : null;
    if (!inView(list) || (target && !inView(target))) {
      list.scrollIntoView({ block: "start" });
      if (target && !inView(target)) target.scrollIntoView({ block: "end" });
    }
  }

  // The first field with an error gets the focus (and so comes into view).
  function focusFirstError(root) {
    const field = (root || document).querySelector(
      ".has-error input:not([type=hidden]), .has-error select, .has-error textarea, [aria-invalid=true]"
    );
    if (field) {
      field.focus({ preventScroll: true });
      field.scrollIntoView({ block: "center" });
      return true;
    }
    return false;
  }

  // A print button (the sign-in sheet): no inline handlers under the content security policy.
  function setUpPrint() {
    document.querySelectorAll("[data-print]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
  }

  // "Deshacer" buttons disappear when their time is up (the server refuses a late undo too).
  function setUpUndo(root) {
    (root || document).querySelectorAll("[data-undo-seconds]").forEach((form) => {
      const seconds = Number(form.dataset.undoSeconds) || 10;
      window.setTimeout(() => form.remove(), seconds * 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpMenu();
    setUpPrint();
    setUpUndo(document);
    if (!focusFirstError(document)) announce(document, null);
  });

  // Before an htmx action: forget which row changed last time.
  document.addEventListener("htmx:beforeRequest", () => {
    document.querySelectorAll(".just-changed").forEach((el) => el.classList.remove("just-changed"));
  });

  // After an htmx action: say what happened where the eyes are (errors: the field has the focus).
  document.addEventListener("htmx:afterRequest", (event) => {
    const verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb !== "post") return; // a search as you type is not an action
    window.setTimeout(() => {
      setUpUndo(document);
      const form = document.getElementById("new-participant");
      if (form && form.querySelector(".has-error")) {
        focusFirstError(form);
        return;
      }
      if (form && form.querySelector(".duplicate-suggestion")) {
        const choice = form.querySelector(".duplicate-suggestion button");
        if (choice) {
          choice.focus({ preventScroll: true });
          choice.scrollIntoView({ block: "center" });
        }
        return;
      }
      announce(document.getElementById("attendance-summary") || document, document.querySelector(".just-changed"));
    }, 30);
  });
})();
