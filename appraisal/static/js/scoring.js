// Score grids: mark changed cells, warn before leaving unsaved changes;
// claim and penalty forms: show only the chosen rule's levels.
//
// A form marked data-sheet (the score grid, letter items) behaves like a
// spreadsheet: ↑ ↓ (and ← → at the start or end of the text) move between its
// text cells, Enter moves down (Shift+Enter up) and saves everything at the last
// row, Ctrl+Enter or Ctrl+S saves everything from anywhere; a block pasted from
// Excel or WPS (tab-separated rows) fills the cells it covers from the focused one.
(function () {
  "use strict";
  var dirty = false;
  var status = document.querySelector("[data-sheet-status]");
  var countChanged = function () {
    var n = document.querySelectorAll("td.changed").length;
    if (status) {
      status.textContent = n ? status.dataset.template.replace("%n", String(n)) : "";
    }
    return n;
  };
  document.querySelectorAll("input.v[data-original]").forEach(function (input) {
    var mark = function () {
      var changed = input.value.trim() !== input.dataset.original;
      input.closest("td").classList.toggle("changed", changed);
      dirty = dirty || changed;
      countChanged();
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

  // --- the sheet ----------------------------------------------------------
  // Full-width digits, points and minus signs (a Chinese input method, WPS) and
  // ideographic spaces become their ASCII forms; the server reads them the same way.
  var clean = function (text) {
    var s = String(text);
    if (s.normalize) { s = s.normalize("NFKC"); }
    return s.replace(/[\u2212\u2012\u2013\u2014]/g, "-").trim();
  };
  var cellsOf = function (row) {
    return Array.prototype.filter.call(
      row.querySelectorAll("input[type=text]"),
      function (input) { return !input.disabled && !input.readOnly; }
    );
  };
  var column = function (input) { return input.closest("td").cellIndex; };
  var rowsOf = function (scope) {
    return Array.prototype.filter.call(scope.querySelectorAll("tbody tr"), function (row) {
      return cellsOf(row).length > 0;
    });
  };
  var cellAt = function (row, col) {
    var found = null;
    cellsOf(row).forEach(function (input) { if (column(input) === col) { found = input; } });
    return found;
  };
  var go = function (input) {
    if (input) { input.focus(); input.select(); }
    return !!input;
  };
  var vertical = function (form, input, step) {
    var rows = rowsOf(form);
    var i = rows.indexOf(input.closest("tr"));
    var col = column(input);
    for (var j = i + step; j >= 0 && j < rows.length; j += step) {
      var next = cellAt(rows[j], col);
      if (next) { return next; }
    }
    return null;
  };
  var sideways = function (input, step) {
    var cells = cellsOf(input.closest("tr"));
    return cells[cells.indexOf(input) + step] || null;
  };
  var saveAll = function (form) {
    var button = form.querySelector("button.default-submit") || form.querySelector("button.primary[type=submit]");
    dirty = false;
    if (form.requestSubmit) { form.requestSubmit(button || undefined); } else { form.submit(); }
  };

  document.querySelectorAll("form[data-sheet]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("tbody input[type=text]")) { return; }
      var key = event.key;
      var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
      var atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
      var whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
      if ((key === "Enter" && (event.ctrlKey || event.metaKey)) || ((key === "s" || key === "S") && (event.ctrlKey || event.metaKey))) {
        event.preventDefault();
        saveAll(form);
      } else if (key === "Enter") {
        event.preventDefault();
        if (!go(vertical(form, input, event.shiftKey ? -1 : 1)) && !event.shiftKey) { saveAll(form); }
      } else if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        go(vertical(form, input, key === "ArrowDown" ? 1 : -1));
      } else if ((key === "ArrowRight" && (atEnd || whole)) || (key === "ArrowLeft" && (atStart || whole))) {
        if (go(sideways(input, key === "ArrowRight" ? 1 : -1))) { event.preventDefault(); }
      }
    });

    form.addEventListener("paste", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("tbody input[type=text]") || !event.clipboardData) { return; }
      var text = event.clipboardData.getData("text/plain");
      if (!text) { return; }
      var single = !/[\t\r\n]/.test(text.replace(/[\r\n]+$/, ""));
      if (single && clean(text) === text) { return; }  // an ordinary paste into one cell
      event.preventDefault();
      var lines = text.replace(/[\r\n]+$/, "").split(/\r\n|\n|\r/);
      // rows of the block go down this table's rows; its columns go right over the cells of each row
      var rows = rowsOf(input.closest("tbody"));
      var first = rows.indexOf(input.closest("tr"));
      var columns = [];
      rows.forEach(function (row) {
        cellsOf(row).forEach(function (cell) { if (columns.indexOf(column(cell)) < 0) { columns.push(column(cell)); } });
      });
      columns.sort(function (a, b) { return a - b; });
      var startCol = columns.indexOf(column(input));
      var filled = 0, left = 0;
      lines.forEach(function (line, r) {
        line.split("\t").forEach(function (raw, c) {
          var value = clean(raw);
          if (value === "") { return; }  // an empty cell of the block leaves the cell as it is
          var row = rows[first + r];
          var target = row && columns[startCol + c] !== undefined ? cellAt(row, columns[startCol + c]) : null;
          if (!target) { left += 1; return; }
          target.value = value;
          target.dispatchEvent(new Event("input", { bubbles: true }));
          filled += 1;
        });
      });
      var note = form.querySelector("[data-sheet-pasted]");
      if (note) {
        note.textContent = note.dataset.template.replace("%n", String(filled)) +
          (left ? note.dataset.left.replace("%n", String(left)) : "");
      }
    });
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
