// The projector page's countdown to a session's announced closing time.
(function () {
  var box = document.getElementById("countdown");
  if (!box) { return; }
  var closes = parseInt(box.getAttribute("data-closes"), 10);
  if (!closes) { return; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.floor((closes - Date.now()) / 1000);
    if (left <= 0) { box.textContent = box.getAttribute("data-over"); return; }
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    box.textContent = (h ? h + ":" : "") + pad(m) + ":" + pad(s);
  }
  tick();
  window.setInterval(tick, 1000);
})();
