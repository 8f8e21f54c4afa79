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
      li.setAttribute("aria-selected", i === index ? "true" : "false");
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
    if (form && form.classList && form.classList.contains("result-form") && event.detail.successful) {
      input.value = "";
      results.innerHTML = "";
      input.focus();
    }
  });
  // A new participant saved: focus the search box again.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "attendance-panel") {
      const firstError = event.detail.target.querySelector(".duplicate-suggestion button, .errorlist");
      if (firstError && firstError.focus) firstError.focus();
    }
  });
})();
