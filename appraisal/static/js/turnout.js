// A live evaluation's turnout refreshes every 15 seconds; the page reloads when voting ends.
(function () {
  var box = document.getElementById("turnout");
  if (!box || box.getAttribute("data-live") !== "1" || !window.fetch) { return; }
  function refresh() {
    fetch(box.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.groups.forEach(function (g) {
          var row = box.querySelector('[data-group="' + g.id + '"]');
          if (!row) { return; }
          row.querySelector(".voted").textContent = g.voted;
          row.querySelector(".eligible").textContent = g.eligible;
          row.querySelector(".pct").textContent = g.percent;
          row.querySelector(".bar > span").style.width = g.percent + "%";
        });
        if (data.status !== "open") { window.location.reload(); }
      })
      .catch(function () {});
  }
  window.setInterval(refresh, parseInt(box.getAttribute("data-interval"), 10) || 15000);
})();
