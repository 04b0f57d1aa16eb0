/* Kiosk start screen: a USB/Bluetooth scanner types the payload and Enter. */
(function () {
  "use strict";
  var screen = document.getElementById("screen");
  var result = document.getElementById("result");
  var buffer = "";
  function newId() {
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function submit(payload, source) {
    fetch(screen.dataset.scanUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": screen.dataset.csrf},
      body: JSON.stringify({payload: payload, source: source, client_id: newId()})
    }).then(function (r) { return r.json(); }).then(function (data) {
      result.textContent = data.ok ? data.person.masked_name : data.message;
      result.className = data.ok ? "ok" : "error";
    });
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { if (buffer) { submit(buffer, "scanner"); } buffer = ""; return; }
    if (e.key.length === 1) { buffer += e.key; }
  });
})();
