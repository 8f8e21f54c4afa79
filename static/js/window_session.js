// Window session form: live total of the people-reached grid, and the zero-people confirmation
// shown only when the total is zero. The server checks both again; the page works without JS.
(function () {
  "use strict";

  function setUp(form) {
    const cells = Array.from(form.querySelectorAll("input.grid-cell"));
    const output = form.querySelector("[data-grid-total]");
    const confirmBox = form.querySelector("[data-zero-confirm]");
    if (!cells.length || !output) return;

    function update() {
      let total = 0;
      let invalid = false;
      for (const cell of cells) {
        const raw = cell.value.trim();
        if (raw === "") continue;
        const value = Number(raw);
        if (!Number.isInteger(value) || value < 0) {
          invalid = true;
          cell.setAttribute("aria-invalid", "true");
        } else {
          cell.removeAttribute("aria-invalid");
          total += value;
        }
      }
      output.textContent = invalid ? total + " (?)" : String(total);
      if (confirmBox) {
        const checkbox = confirmBox.querySelector("input[type=checkbox]");
        const hide = total > 0;
        confirmBox.hidden = hide;
        if (hide && checkbox) checkbox.checked = false;
      }
    }

    form.addEventListener("input", (event) => {
      if (event.target.classList && event.target.classList.contains("grid-cell")) update();
    });
    form.addEventListener("submit", (event) => {
      update();
      const checkbox = confirmBox && confirmBox.querySelector("input[type=checkbox]");
      if (checkbox && !confirmBox.hidden && !checkbox.checked) {
        event.preventDefault();
        confirmBox.classList.add("has-error");
        checkbox.focus();
      }
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-window-session]").forEach(setUp);
  });
})();
