// Window session form: live total of the people-reached grid, and the zero-people confirmation
// shown only when the total is zero. The server checks both again; the page works without JS.
(function () {
  "use strict";

  // The error beside the cell (its <span class="cell-error">), announced through aria-describedby.
  function showCellError(cell, message) {
    const holder = document.getElementById(cell.id + "-error");
    if (message) {
      cell.setAttribute("aria-invalid", "true");
      if (holder) {
        holder.textContent = message;
        holder.hidden = false;
        cell.setAttribute("aria-describedby", holder.id);
      }
    } else if (holder) {
      cell.removeAttribute("aria-invalid");
      holder.textContent = "";
      holder.hidden = true;
      cell.removeAttribute("aria-describedby");
    }
  }

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
          showCellError(cell, form.dataset.negativeMessage || "");
        } else {
          showCellError(cell, null);
          total += value;
        }
      }
      for (const cell of cells) {
        if (cell.value.trim() === "") showCellError(cell, null);
      }
      output.textContent = invalid ? "— (" + (form.dataset.invalidTotal || "") + ")" : String(total);
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
    // No submit handler: the server reports missing fields (hours first) and, only once the rest
    // is valid, an unconfirmed empty grid. The confirmation is never focused or highlighted here.
    update();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-window-session]").forEach(setUp);
  });
})();
