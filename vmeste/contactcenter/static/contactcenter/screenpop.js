// Screen pop: open the call card when the router gives this agent a call.
(function () {
  var root = document.querySelector("[data-screen-pop]");
  if (!root || !window.EventSource) return;
  var source = new EventSource(root.getAttribute("data-screen-pop"));
  source.addEventListener("call", function (event) {
    var call = JSON.parse(event.data);
    var link = document.getElementById("cc-pop-link");
    if (link) {
      link.href = call.card_url;
      link.textContent = (call.queue || "") + " " + (call.caller_number || "");
      link.parentElement.hidden = false;
    }
    window.open(call.card_url, "vmeste-call-card");
  });
})();
