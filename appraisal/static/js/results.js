// Poll running computations and show their progress; reload when one finishes.
(function () {
  var cells = document.querySelectorAll(".run-status[data-status-url]");
  var running = Array.prototype.filter.call(cells, function (c) { return c.querySelector("progress"); });
  if (!running.length) return;
  function poll() {
    var pending = running.length;
    running.forEach(function (cell) {
      fetch(cell.getAttribute("data-status-url"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var bar = cell.querySelector("progress");
          if (bar && data.progress != null) bar.value = data.progress;
          if (data.status !== "queued" && data.status !== "running") window.location.reload();
        })
        .finally(function () { if (--pending === 0) setTimeout(poll, 1500); });
    });
  }
  setTimeout(poll, 1500);
})();
