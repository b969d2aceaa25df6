// QR label sheets: the print button (inline scripts are not allowed by the CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
