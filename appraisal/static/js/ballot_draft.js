// The ballot keeps what was entered in this browser (localStorage, keyed by the
// evaluation) so a dropped connection before submit loses nothing. Only the
// answers are kept — never the one-time code — and the draft is removed once
// the ballot is in (the page after a successful submit carries data-clear-draft).
(function () {
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  if (!store) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-clear-draft]"), function (done) {
    store.removeItem("ballot-draft-" + done.getAttribute("data-clear-draft"));
  });
  var form = document.getElementById("ballot-form");
  if (!form) { return; }
  var key = "ballot-draft-" + form.getAttribute("data-evaluation");
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return /^(score|reason|unknown)-\d+$/.test(el.name || "");
    });
  }
  function save() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { data[el.name] = el.value; }
      } else if (el.value) { data[el.name] = el.value; }
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or private mode */ }
  }
  var saved = null;
  try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
  if (saved && !form.getAttribute("data-has-values")) {
    fields().forEach(function (el) {
      if (!(el.name in saved)) { return; }
      if (el.type === "radio" || el.type === "checkbox") { el.checked = el.value === saved[el.name]; }
      else { el.value = saved[el.name]; }
    });
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
})();
