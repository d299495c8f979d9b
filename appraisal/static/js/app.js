// Small progressive enhancements; every page works without JavaScript.
// No inline scripts or on* attributes anywhere (the Content-Security-Policy
// forbids them): pages mark elements with data-* attributes handled here.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
    return;
  }
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
// <select data-autosubmit>: choosing an option submits its form.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});
