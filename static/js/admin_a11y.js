// Admin accessibility fixes that Django's own templates leave out (checked by axe-core in CI):
// - the "delete" checkbox of each inline row gets a label naming the row;
// - select2 autocomplete boxes are named by the label of the field they replace.
(function () {
  "use strict";

  function labelDeleteBoxes(root) {
    root.querySelectorAll('input[type=checkbox][name$="-DELETE"]').forEach((box) => {
      if (box.labels && box.labels.length) return;
      if (box.getAttribute("aria-label")) return;
      const row = box.closest("tr, .inline-related");
      const original = row && row.querySelector(".original p, td.original p");
      const fieldText = row && row.querySelector("td.field-participant, td:not(.original):not(.delete)");
      let name = original ? original.textContent.trim() : "";
      if (!name && fieldText) name = fieldText.textContent.trim().slice(0, 60);
      box.setAttribute("aria-label", (document.documentElement.lang === "en" ? "Delete" : "Eliminar") + (name ? ": " + name : ""));
    });
  }

  function nameComboboxes(root) {
    root.querySelectorAll(".select2-selection[role=combobox]").forEach((combo) => {
      if (combo.getAttribute("aria-labelledby") && document.getElementById(combo.getAttribute("aria-labelledby").split(" ")[0])
          && combo.dataset.pessNamed) return;
      const container = combo.closest(".select2");
      const select = container && container.previousElementSibling;
      if (!select || !select.id) return;
      const label = document.querySelector('label[for="' + select.id + '"]');
      if (!label) return;
      if (!label.id) label.id = select.id + "-label";
      const rendered = combo.querySelector(".select2-selection__rendered");
      if (rendered) rendered.setAttribute("aria-labelledby", label.id);
      combo.setAttribute("aria-labelledby", label.id + (rendered && rendered.id ? " " + rendered.id : ""));
      combo.dataset.pessNamed = "1";
    });
  }

  function fix() {
    labelDeleteBoxes(document);
    nameComboboxes(document);
  }

  document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("load", fix);
  // Inline rows added later ("Agregar otro") and select2 boxes created on them.
  document.addEventListener("formset:added", fix);
  const observer = new MutationObserver(() => fix());
  document.addEventListener("DOMContentLoaded", () => observer.observe(document.body, { childList: true, subtree: true }));
})();
