/* Today screen: refresh the sections every few seconds without reloading the page,
   and chime (plus a visible, announced message) when a kiosk calls staff. */
(function () {
  "use strict";
  var root = document.getElementById("today");
  if (!root) { return; }
  var url = root.getAttribute("data-url");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 5000;
  var statusLine = document.getElementById("live-status");
  var soundButton = document.getElementById("sound-toggle");
  var seenHelp = {};
  var audio = null;
  var failures = 0;

  Array.prototype.forEach.call(root.querySelectorAll("[data-help-id]"), function (el) {
    seenHelp[el.getAttribute("data-help-id")] = true;
  });

  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    if (!audio) { audio = new Ctx(); }
    return audio;
  }

  function updateSoundButton() {
    if (!soundButton) { return; }
    var ctx = audioContext();
    if (!ctx) { soundButton.hidden = true; return; }
    var on = ctx.state === "running";
    soundButton.hidden = false;
    soundButton.setAttribute("aria-pressed", on ? "true" : "false");
    soundButton.textContent = root.getAttribute(on ? "data-sound-on" : "data-sound-off");
  }

  /* Two soft tones, then a third: noticeable across a room, not alarming. */
  function chime() {
    var ctx = audioContext();
    if (!ctx) { return; }
    if (ctx.state !== "running") { ctx.resume(); }
    [[660, 0], [880, 0.25], [660, 0.5]].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      var start = ctx.currentTime + tone[1];
      osc.type = "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.22);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.25);
    });
    root.setAttribute("data-chimed", String(parseInt(root.getAttribute("data-chimed") || "0", 10) + 1));
  }

  if (soundButton) {
    soundButton.addEventListener("click", function () {
      var ctx = audioContext();
      if (ctx) { ctx.resume().then(updateSoundButton); }
    });
    document.addEventListener("click", function () {
      var ctx = audioContext();
      if (ctx && ctx.state !== "running") { ctx.resume().then(updateSoundButton); }
    }, { once: true });
    updateSoundButton();
  }

  function userIsActing() {
    /* Never replace a section while someone is typing or pressing a button in it. */
    var active = document.activeElement;
    return active && active !== document.body && root.contains(active) &&
      (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT");
  }

  function apply(data) {
    var sections = data.sections || {};
    Object.keys(sections).forEach(function (name) {
      var holder = root.querySelector('[data-section="' + name + '"]');
      if (holder && holder.innerHTML !== sections[name]) {
        var focusedName = document.activeElement && holder.contains(document.activeElement)
          ? document.activeElement.getAttribute("aria-label") : null;
        holder.innerHTML = sections[name];
        if (focusedName) {
          var again = holder.querySelector('[aria-label="' + focusedName.replace(/"/g, '\\"') + '"]');
          if (again) { again.focus(); }
        }
      }
    });
    var fresh = (data.help_ids || []).filter(function (id) { return !seenHelp[id]; });
    (data.help_ids || []).forEach(function (id) { seenHelp[id] = true; });
    if (fresh.length) {
      chime();
      statusLine.textContent = root.getAttribute("data-new-help");
      statusLine.classList.add("alert");
    } else if (!(data.help_ids || []).length) {
      statusLine.textContent = "";
      statusLine.classList.remove("alert");
    }
    root.setAttribute("data-updated", String(Date.now()));
  }

  function poll() {
    if (userIsActing()) { window.setTimeout(poll, interval); return; }
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin",
                 redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          window.location.reload();  /* signed out: show the sign-in page */
          return null;
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (data) {
          failures = 0;
          apply(data);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 3) {
          statusLine.textContent = root.getAttribute("data-offline");
        }
      })
      .then(function () { window.setTimeout(poll, interval); });
  }

  window.setTimeout(poll, interval);
}());
