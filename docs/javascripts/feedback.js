/* Level0: "Was this article helpful?" under each article, sent to /api/events (no cookies). */
(function () {
  "use strict";

  function sessionId() {
    var key = "level0-session";
    var id = sessionStorage.getItem(key);
    if (!id) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      sessionStorage.setItem(key, id);
    }
    return id;
  }

  function api() {
    var element = document.querySelector('meta[name="level0-api"]');
    return (element && element.content ? element.content : "/api").replace(/\/$/, "");
  }

  /* Send an event without waiting for it; events never get in the visitor's way. */
  function sendEvent(event) {
    event.session_id = sessionId();
    try {
      fetch(api() + "/events", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(event),
        keepalive: true
      }).catch(function () {});
    } catch (error) { /* an old browser: no event */ }
  }

  window.level0Events = { send: sendEvent, sessionId: sessionId };

  function init() {
    var box = document.querySelector(".level0-helpful");
    if (!box || box.dataset.ready) { return; }
    box.dataset.ready = "1";
    box.hidden = false;
    var english = box.dataset.lang === "en";
    box.querySelectorAll("button[data-helpful]").forEach(function (button) {
      button.addEventListener("click", function () {
        sendEvent({ type: "helpful", target: "article", article: box.dataset.article,
                    helpful: button.dataset.helpful === "true", language: box.dataset.lang });
        box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        box.querySelector(".level0-helpful-thanks").textContent = english ? "Thank you for your feedback." : "Danke für Ihre Rückmeldung.";
      });
    });
  }

  if (typeof document$ !== "undefined" && document$.subscribe) { document$.subscribe(init); }
  else if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
