// Stock pages: keep the scan field focused so a USB scanner (which types the code and Enter)
// can count shelf after shelf without touching the mouse.
(() => {
  const focusScan = () => {
    const input = document.querySelector("[data-scan-input]");
    if (input) {
      input.value = "";
      input.focus();
    }
  };
  document.addEventListener("DOMContentLoaded", focusScan);
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.target && event.target.id === "scan-zone") {
      focusScan();
    }
  });
})();
