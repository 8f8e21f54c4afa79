// Attendance page: keyboard-only adding from the search results (progressive enhancement).
// Without JavaScript the search is a plain GET form and every button a plain POST form.
(function () {
  "use strict";
  const input = document.getElementById("participant-search");
  const results = document.getElementById("search-results");
  if (!input || !results) return;

  function items() {
    return Array.from(results.querySelectorAll(".result-item"));
  }
  function current() {
    return items().findIndex((li) => li.classList.contains("active"));
  }
  function highlight(index) {
    const list = items();
    list.forEach((li, i) => {
      li.classList.toggle("active", i === index);
    });
    if (list[index]) list[index].scrollIntoView({ block: "nearest" });
  }

  input.addEventListener("keydown", (event) => {
    const list = items();
    if (event.key === "ArrowDown" && list.length) {
      event.preventDefault();
      highlight(Math.min(current() + 1, list.length - 1));
    } else if (event.key === "ArrowUp" && list.length) {
      event.preventDefault();
      highlight(Math.max(current() - 1, 0));
    } else if (event.key === "Enter") {
      const chosen = list[Math.max(current(), 0)];
      const button = chosen && chosen.querySelector("button[type=submit]");
      if (button) {
        event.preventDefault();
        button.click();
      }
    } else if (event.key === "Escape") {
      results.innerHTML = "";
    }
  });

  // After an attendee is added from the results: clear the box, ready for the next name.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!form || !form.classList || !event.detail.successful) return;
    if (form.classList.contains("result-form")) {
      // Ready for the next name, without scrolling away from the message and the new row.
      input.value = "";
      results.innerHTML = "";
      input.focus({ preventScroll: true });
    }
  });
  // After the new-person form came back: a duplicate suggestion or an error gets the focus,
  // a saved person sends the focus back to the search box.
  document.body.addEventListener("htmx:oobAfterSwap", (event) => {
    const target = event.detail.target;
    if (!target || target.id !== "new-participant") return;
    const focusable = target.querySelector(".duplicate-suggestion button, .has-error input, .has-error select");
    if (focusable) {
      focusable.focus({ preventScroll: true });
      focusable.scrollIntoView({ block: "center" });
    }
    // A saved person: the message and the new row are shown (static/js/app.js); no jump to the top.
  });
})();
