// Catalogue pages: the scan field keeps the focus, "check all" boxes, rayon checkboxes.
(() => {
  const focusScanField = () => {
    const field = document.querySelector("[data-scan-field]");
    // Select what is left (a refused code): the next scan replaces it instead of appending.
    if (field) { field.focus(); field.select(); }
  };
  document.addEventListener("DOMContentLoaded", () => {
    focusScanField();
    document.body.addEventListener("change", (event) => {
      const all = event.target.closest("[data-check-all]");
      if (all) {
        document.querySelectorAll(`input[name="${all.dataset.checkAll}"]`).forEach((box) => {
          box.checked = all.checked;
        });
      }
      const rayon = event.target.closest("[data-rayon]");
      if (rayon) {
        document.querySelectorAll(`[data-parent="${rayon.dataset.rayon}"]`).forEach((box) => {
          box.checked = rayon.checked;
          box.disabled = rayon.checked;
        });
      }
    });
  });
  // After the barcode panel is swapped in (a scan was added or refused), scan again at once.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "barcodes") { focusScanField(); }
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.id === "barcodes") { focusScanField(); }
  });
})();
