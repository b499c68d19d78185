// The chat page: sends each message to POST /chat and shows the reply with its intent and
// confidence. Plain JavaScript, no build step, no third-party code; text is inserted as text.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("message");
  var send = document.getElementById("send");
  var banner = document.getElementById("handoff");
  var sessionId = null;
  var turn = 0;

  function add(role, text, meta, handoff) {
    var item = document.createElement("li");
    item.className = role + (handoff ? " is-handoff" : "");
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text;
    item.appendChild(bubble);
    if (meta) {
      var line = document.createElement("div");
      line.className = "meta";
      var intent = document.createElement("span");
      intent.className = "intent";
      intent.textContent = meta.intent;
      line.appendChild(document.createTextNode("intent "));
      line.appendChild(intent);
      line.appendChild(document.createTextNode(" \u00b7 confidence " + meta.confidence.toFixed(2)));
      if (handoff) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "handed to a person";
        line.appendChild(badge);
      }
      item.appendChild(line);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    add("customer", text);
    input.value = "";
    send.disabled = true;
    turn += 1;
    var body = { message: text, turn: turn };
    if (sessionId) { body.session_id = sessionId; }
    fetch("/chat", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result.ok) {
          turn -= 1;
          add("assistant", "Sorry, that message could not be sent (" + JSON.stringify(result.data.detail) + ").");
          return;
        }
        var data = result.data;
        if (data.session_id !== sessionId) { sessionId = data.session_id; turn = data.turn; }
        add("assistant", data.reply, { intent: data.intent, confidence: data.confidence }, data.handoff);
        if (data.handoff) { banner.hidden = false; }
      })
      .catch(function () {
        turn -= 1;
        add("assistant", "Sorry, the assistant could not be reached. Please try again.");
      })
      .finally(function () { send.disabled = false; input.focus(); });
  });
  input.focus();
}());
