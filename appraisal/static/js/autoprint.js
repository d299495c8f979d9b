// Printable documents open the print dialog once loaded (not with ?noprint).
window.addEventListener("load", function () {
  if (location.search.indexOf("noprint") < 0) window.print();
});
