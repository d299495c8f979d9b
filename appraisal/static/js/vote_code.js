// A slip's QR code opens /t/<slug>/vote#code=ABCDE-FGHJK: the code travels in
// the fragment (never sent to the server, so never in an access log); this
// fills it in, clears it from the address bar and opens the ballot.
(function () {
  var form = document.getElementById("code-form");
  if (!form) { return; }
  var match = /(?:^#|&)code=([A-Za-z0-9-]{10,20})/.exec(window.location.hash || "");
  if (!match) { return; }
  var input = form.querySelector("input[name=code]");
  if (!input) { return; }
  input.value = match[1];
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  if (!form.getAttribute("data-error")) { form.submit(); }
})();
