// Screen pop: open the call card when the router gives this agent a call. On the call card
// itself (data-pop-here: the call it already shows) the pop is a banner linking to the call,
// so nothing the operator is typing is thrown away.
(function () {
  var root = document.querySelector("[data-screen-pop]");
  if (!root || !window.EventSource) return;
  var here = root.hasAttribute("data-pop-here");
  var source = new EventSource(root.getAttribute("data-screen-pop"));
  source.addEventListener("call", function (event) {
    var call = JSON.parse(event.data);
    if (here && call.call_id === root.getAttribute("data-pop-here")) return;
    var link = document.getElementById("cc-pop-link");
    if (link) {
      link.href = call.card_url;
      link.textContent = (call.queue || "") + " " + (call.caller_number || "");
      root.hidden = false;
      if (link.parentElement !== root) link.parentElement.hidden = false;
    }
    if (!here) window.open(call.card_url, "vmeste-call-card");
  });
})();
