// Score grids: mark changed cells, warn before leaving unsaved changes;
// claim and penalty forms: show only the chosen rule's levels.
(function () {
  "use strict";
  var dirty = false;
  document.querySelectorAll("input.v[data-original]").forEach(function (input) {
    var mark = function () {
      var changed = input.value.trim() !== input.dataset.original;
      input.closest("td").classList.toggle("changed", changed);
      dirty = dirty || changed;
    };
    input.addEventListener("input", mark);
    mark();  // changes kept on the page by the server (another row saved, or a refusal) are unsaved too
  });
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () { dirty = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  var rule = document.querySelector("select[name=rule]");
  var level = document.querySelector("select[name=level]");
  if (rule && level) {
    var sync = function () {
      var any = false;
      Array.prototype.forEach.call(level.options, function (option) {
        var mine = !option.dataset.rule || option.dataset.rule === rule.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (option.dataset.rule && mine) { any = true; }
      });
      var blank = level.querySelector("option[value='']");
      if (blank) { blank.hidden = any; blank.disabled = any; }
      var chosen = level.selectedOptions.length ? level.selectedOptions[0] : null;
      if (!chosen || chosen.disabled) {
        var first = Array.prototype.find.call(level.options, function (o) { return !o.disabled; });
        level.value = first ? first.value : "";
      }
      level.closest(".field").style.display = any ? "" : "none";
    };
    rule.addEventListener("change", sync);
    sync();
  }
})();
