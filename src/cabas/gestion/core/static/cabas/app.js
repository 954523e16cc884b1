// Cabas back office: small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that ask for confirmation: <button data-confirm="Sûr ?">.
  document.body.addEventListener("click", (event) => {
    const target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // A header checkbox that ticks every checkbox of a name: <input data-select-all="anomaly">.
  document.body.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      const name = all.dataset.selectAll;
      document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
        box.checked = all.checked;
      });
    }
  });
  // Print buttons: <button data-print>.
  document.body.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
});
