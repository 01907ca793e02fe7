// The viewer's own clock on the wallboard (the centres' clocks come with the figures).
(function () {
  "use strict";
  function tick() {
    var clock = document.getElementById("wall-viewer-clock");
    if (!clock) { return; }
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    clock.textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
