// Cabas back office: small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that ask for confirmation: <button data-confirm="Sûr ?">.
  document.body.addEventListener("click", (event) => {
    const target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // Print buttons: <button data-print>.
  document.body.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
});
