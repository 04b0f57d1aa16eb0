/* The kiosk: one page, one screen at a time.
 *
 * Input: the camera (BarcodeDetector where the browser has it, else the vendored jsQR)
 * reads continuously while a badge is expected; a USB/Bluetooth scanner types the payload
 * and Enter on any screen. One badge read again within repeatSeconds counts once.
 * Every screen is spoken (speechSynthesis), every result has a tone AND an icon with words.
 * A screen that waits for a choice asks "need more time?" before giving up; other screens
 * return to the start after idleSeconds. Nothing changes while someone is touching it.
 */
(function () {
  "use strict";

  var root = document.getElementById("kiosk");
  var config = JSON.parse(document.getElementById("kiosk-config").textContent);
  var T = JSON.parse(document.getElementById("kiosk-strings").textContent);
  var csrf = root.dataset.csrf;
  var stage = document.getElementById("stage");
  var topbar = root.querySelector(".topbar");
  var camera = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var cameraState = document.getElementById("camera-state");
  var dialog = document.getElementById("still-there");
  var languageLink = document.getElementById("language");
  var textSizeButton = document.getElementById("text-size");

  // Screens where a badge is expected: the camera reads only there.
  var SCANNING = {start: true, recipient: true, message: true};
  // Screens that wait for a choice: "need more time?" before giving up.
  var CHOICE = {services: true, review: true, returning: true, volunteer: true, recipient: true};

  var screens = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-screen]"), function (el) {
    screens[el.dataset.screen] = el;
  });

  var state = {screen: "start", flow: null, busy: false, dialogOpen: false};
  var recent = {};          // payload -> time of its last read
  var timer = null;
  var graceTimer = null;

  // ---------------------------------------------------------------- helpers

  function fmt(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (m, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : m;
    });
  }

  function fill(name, text) {
    var el = root.querySelector('[data-fill="' + name + '"]');
    if (el) { el.textContent = text; }
    return el;
  }

  function newId() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function post(url, body) {
    state.busy = true;
    stage.setAttribute("aria-busy", "true");
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () {
        return {ok: false, error: "server", message: T.network};
      });
    }, function () {
      return {ok: false, error: "network", message: T.network};
    }).then(function (data) {
      state.busy = false;
      stage.removeAttribute("aria-busy");
      return data;
    });
  }

  // ---------------------------------------------------------------- sound and speech

  var sounds = {};
  Object.keys(config.sounds).forEach(function (name) {
    var audio = new Audio(config.sounds[name]);
    audio.preload = "auto";
    sounds[name] = audio;
  });

  function tone(name) {
    var audio = sounds[name];
    if (!audio) { return; }
    try {
      audio.currentTime = 0;
      var played = audio.play();
      if (played && played.catch) { played.catch(function () {}); }
    } catch (e) { /* no sound device: the screen still says it */ }
  }

  function pickVoice() {
    if (!window.speechSynthesis) { return null; }
    var voices = window.speechSynthesis.getVoices() || [];
    var want = config.speechLang.toLowerCase();
    var base = want.split("-")[0];
    var exact = null, near = null;
    voices.forEach(function (v) {
      var l = (v.lang || "").toLowerCase().replace("_", "-");
      if (!exact && l === want) { exact = v; }
      if (!near && l.split("-")[0] === base) { near = v; }
    });
    return exact || near;
  }

  function speak(text) {
    if (!window.speechSynthesis || !window.SpeechSynthesisUtterance || !text) { return; }
    window.speechSynthesis.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = config.speechLang;
    utterance.rate = 0.9;
    var voice = pickVoice();
    if (voice) { utterance.voice = voice; }
    window.speechSynthesis.speak(utterance);
  }

  function visibleText(container) {
    var parts = [];
    Array.prototype.forEach.call(container.querySelectorAll("[data-speak]"), function (el) {
      if (el.closest("[hidden]")) { return; }
      var text = el.textContent.replace(/\s+/g, " ").trim();
      if (text) { parts.push(text); }
    });
    return parts.join(" ");
  }

  function speakScreen() {
    var container = state.dialogOpen ? dialog : screens[state.screen];
    speak(visibleText(container));
  }

  // ---------------------------------------------------------------- screens and timers

  function clearTimers() {
    clearTimeout(timer);
    clearTimeout(graceTimer);
    timer = graceTimer = null;
  }

  function armTimers() {
    clearTimers();
    if (state.dialogOpen) {
      graceTimer = setTimeout(goStart, config.graceSeconds * 1000);
    } else if (CHOICE[state.screen]) {
      timer = setTimeout(askForMoreTime, config.choiceSeconds * 1000);
    } else if (state.screen !== "start" || config.lang !== config.defaultLang
               || document.documentElement.classList.contains("text-large")) {
      timer = setTimeout(goStart, config.idleSeconds * 1000);
    }
  }

  function placeCamera(section) {
    var slot = section.querySelector(".camera-slot");
    if (slot && camera.parentNode !== slot) { slot.appendChild(camera); }
    camera.hidden = !slot;
    if (!slot && camera.parentNode !== stage) { stage.appendChild(camera); }
  }

  function show(name) {
    Object.keys(screens).forEach(function (key) {
      screens[key].hidden = key !== name;
    });
    state.screen = name;
    root.dataset.screen = name;
    if (languageLink) { languageLink.hidden = name !== "start"; }
    placeCamera(screens[name]);
    var heading = screens[name].querySelector("h1");
    if (heading) { heading.focus({preventScroll: true}); }
    window.scrollTo(0, 0);
    armTimers();
    speakScreen();
  }

  function askForMoreTime() {
    state.dialogOpen = true;
    dialog.hidden = false;
    stage.inert = true;
    topbar.inert = true;
    dialog.querySelector("h2").focus({preventScroll: true});
    tone("help");
    speakScreen();
    armTimers();
  }

  function closeDialog() {
    state.dialogOpen = false;
    dialog.hidden = true;
    stage.inert = false;
    topbar.inert = false;
  }

  function goStart() {
    closeDialog();
    clearTimers();
    if (config.lang !== config.defaultLang) {
      window.location.replace("?lang=" + config.defaultLang);
      return;
    }
    state.flow = null;
    setTextLarge(false);
    resetServices();
    show("start");
  }

  // Someone is touching the kiosk: no screen changes under their hand.
  function activity() {
    if (state.dialogOpen) { return; }
    armTimers();
  }
  document.addEventListener("pointerdown", activity, true);

  // ---------------------------------------------------------------- messages

  var ICONS = {ok: "confirm", fail: "cancel", help: "no_card", info: "help"};

  function showMessage(kind, title, detail) {
    var icon = root.querySelector('[data-fill="message-icon"]');
    icon.src = icon.src.replace(/[a-z_]+\.svg$/, ICONS[kind] + ".svg");
    root.querySelector('[data-fill="message-box"]').className = "message-box message-" + kind;
    fill("message-status", {ok: T.statusOk, fail: T.statusFail, help: T.statusHelp,
                            info: T.statusOk}[kind]);
    fill("message-title", title);
    fill("message-detail", detail || "");
    tone(kind === "fail" ? "failure" : (kind === "help" ? "help" : "success"));
    if (state.flow) {
      // The badge of the flow that just ended may still be in front of the camera.
      recent[state.flow.payload] = Date.now();
      if (state.flow.recipient) { recent[state.flow.recipient.payload] = Date.now(); }
    }
    state.flow = null;
    show("message");
  }

  function refuse(data) {
    showMessage("fail", data.message || T.network, "");
  }

  // ---------------------------------------------------------------- scanning

  function onPayload(raw, source) {
    var payload = String(raw || "").trim();
    if (!payload) { return; }
    var now = Date.now();
    Object.keys(recent).forEach(function (key) {
      if (now - recent[key] > config.repeatSeconds * 1000) { delete recent[key]; }
    });
    var repeated = Object.prototype.hasOwnProperty.call(recent, payload);
    recent[payload] = now;  // a badge held in view keeps counting as one read
    if (repeated || state.busy || state.dialogOpen) { return; }
    if (state.screen === "recipient") {
      scanRecipient(payload, source);
    } else if (SCANNING[state.screen]) {
      scan(payload, source);
    }
  }

  function scan(payload, source) {
    post(config.urls.scan, {payload: payload, source: source, client_id: newId()})
      .then(function (data) { afterScan(payload, source, data); });
  }

  function afterScan(payload, source, data) {
    if (!data.ok) { refuse(data); return; }
    var name = data.person.masked_name;
    state.flow = {payload: payload, source: source, name: name, kind: data.person.kind};
    if (data.mode === "activity") {
      showMessage("ok", fmt(data.created ? T.attended : T.attendedAgain, {name: name}),
                  fmt(T.welcomeTo, {activity: data.activity.name}));
      return;
    }
    if (data.state === "checked_in") {
      tone("success");
      openServices(T.checkedIn + " " + fmt(T.hello, {name: name}), T.pickTitle);
    } else if (data.state === "in" || data.state === "out") {
      tone("success");
      fill("returning-title", fmt(data.state === "in" ? T.alreadyIn : T.alreadyOut,
                                  {name: name}));
      screens.returning.querySelector(".only-when-in").hidden = data.state !== "in";
      show("returning");
    } else {
      tone("success");
      var volunteer = data.person.kind === "volunteer";
      fill("volunteer-title", fmt(volunteer ? T.volunteerHello : T.staffHello, {name: name}));
      screens.volunteer.querySelector(".only-off-shift").hidden =
        !volunteer || data.state !== "off_shift";
      screens.volunteer.querySelector(".only-on-shift").hidden =
        !volunteer || data.state !== "on_shift";
      show("volunteer");
    }
  }

  function scanRecipient(payload, source) {
    post(config.urls.recipient, {payload: payload, source: source}).then(function (data) {
      if (!state.flow) { return; }
      if (!data.ok) {
        tone("failure");
        fill("recipient-hint", data.message || T.network);
        speak(data.message || T.network);
        armTimers();
        return;
      }
      state.flow.recipient = {payload: payload, name: data.person.masked_name};
      tone("success");
      openServices(fmt(T.logFor, {name: data.person.masked_name}), T.logTitle);
    });
  }

  // ---------------------------------------------------------------- services

  var serviceTiles = Array.prototype.slice.call(document.querySelectorAll("[data-service-id]"));

  function resetServices() {
    serviceTiles.forEach(function (tile) { tile.setAttribute("aria-pressed", "false"); });
    fill("services-hint", "");
  }

  function chosen() {
    return serviceTiles.filter(function (tile) {
      return tile.getAttribute("aria-pressed") === "true";
    });
  }

  function openServices(banner, title) {
    resetServices();
    state.flow.serviceClientId = newId();
    fill("services-banner", banner);
    fill("services-title", title);
    show("services");
  }

  function toggleService(tile) {
    var on = tile.getAttribute("aria-pressed") !== "true";
    tile.setAttribute("aria-pressed", on ? "true" : "false");
    fill("services-hint", "");
    speak(tile.querySelector(".tile-label").textContent + (on ? " " + T.selected : ""));
  }

  function review() {
    var picked = chosen();
    if (!picked.length) {
      fill("services-hint", T.chooseFirst);
      tone("failure");
      speak(T.chooseFirst);
      return;
    }
    var list = root.querySelector('[data-fill="review-list"]');
    list.textContent = "";
    picked.forEach(function (tile) {
      var item = document.createElement("li");
      var img = tile.querySelector("img").cloneNode(true);
      var label = document.createElement("span");
      label.textContent = tile.querySelector(".tile-label").textContent;
      item.appendChild(img);
      item.appendChild(label);
      list.appendChild(item);
    });
    show("review");
  }

  function labels(tiles) {
    return tiles.map(function (tile) {
      return tile.querySelector(".tile-label").textContent;
    }).join(T.listSeparator);
  }

  function confirmServices() {
    var flow = state.flow;
    var picked = chosen();
    var body = {
      payload: flow.recipient ? flow.recipient.payload : flow.payload,
      service_ids: picked.map(function (tile) { return Number(tile.dataset.serviceId); }),
      client_id: flow.serviceClientId, source: flow.source
    };
    if (flow.recipient) { body.provider_payload = flow.payload; }
    post(config.urls.services, body).then(function (data) {
      if (!data.ok) { refuse(data); return; }
      var names = labels(picked);
      if (flow.recipient) {
        showMessage("ok", fmt(T.logged, {name: flow.recipient.name, services: names}), "");
      } else {
        showMessage("ok", fmt(T.doneServices, {services: names}), "");
      }
    });
  }

  function skipServices() {
    if (state.flow && state.flow.recipient) { goStart(); return; }
    showMessage("ok", T.doneNoServices, "");
  }

  // ---------------------------------------------------------------- other actions

  function duration(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return h ? fmt(T.hoursMinutes, {hours: h, minutes: m}) : fmt(T.minutesOnly, {minutes: m});
  }

  function checkOut() {
    var flow = state.flow;
    post(config.urls.checkout, {payload: flow.payload, client_id: newId(), source: flow.source})
      .then(function (data) {
        if (!data.ok) { refuse(data); return; }
        showMessage("ok", fmt(T.doneCheckout, {name: flow.name}), "");
      });
  }

  function shift(url, started) {
    var flow = state.flow;
    post(url, {payload: flow.payload, client_id: newId(), source: flow.source})
      .then(function (data) {
        if (!data.ok) { refuse(data); return; }
        showMessage("ok", started ? T.shiftStarted
                                  : fmt(T.shiftEnded, {duration: duration(data.minutes || 0)}),
                    "");
      });
  }

  function noCard() {
    post(config.urls.help, {client_id: newId()}).then(function (data) {
      if (!data.ok) { refuse(data); return; }
      showMessage("help", T.helpTitle, T.helpDetail);
    });
  }

  function setTextLarge(on) {
    document.documentElement.classList.toggle("text-large", on);
    textSizeButton.setAttribute("aria-pressed", on ? "true" : "false");
  }

  var ACTIONS = {
    "repeat": speakScreen,
    "text-size": function () {
      setTextLarge(textSizeButton.getAttribute("aria-pressed") !== "true");
      armTimers();
    },
    "no-card": noCard,
    "services-next": review,
    "services-skip": skipServices,
    "review-back": function () { show("services"); },
    "review-confirm": confirmServices,
    "add-service": function () {
      openServices(fmt(T.hello, {name: state.flow.name}), T.pickTitle);
    },
    "check-out": checkOut,
    "shift-start": function () { shift(config.urls.shift_start, true); },
    "shift-end": function () { shift(config.urls.shift_end, false); },
    "log-service": function () {
      fill("recipient-hint", "");
      show("recipient");
    },
    "cancel": goStart,
    "finish": goStart,
    "more-time": function () {
      closeDialog();
      armTimers();
      var heading = screens[state.screen].querySelector("h1");
      if (heading) { heading.focus({preventScroll: true}); }
    },
    "give-up": goStart
  };

  root.addEventListener("click", function (event) {
    var tile = event.target.closest("[data-service-id]");
    if (tile) { toggleService(tile); return; }
    var button = event.target.closest("[data-action]");
    if (!button || state.busy) { return; }
    var action = ACTIONS[button.dataset.action];
    if (action) { action(); }
  });

  // ---------------------------------------------------------------- keyboard scanner

  var buffer = "";
  var lastKey = 0;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var now = Date.now();
    if (now - lastKey > 500) { buffer = ""; }
    lastKey = now;
    if (event.key === "Enter") {
      if (buffer.length >= 4) {
        // A scanner's Enter: not an activation of the button that has focus.
        event.preventDefault();
        var payload = buffer;
        buffer = "";
        activity();
        onPayload(payload, "scanner");
      }
      buffer = "";
      return;
    }
    if (event.key.length === 1) {
      buffer = (buffer + event.key).slice(-200);
    } else {
      activity();
    }
  });

  // ---------------------------------------------------------------- camera

  var canvas = document.createElement("canvas");
  var context2d = canvas.getContext("2d", {willReadFrequently: true});
  var detector = null;
  var decoding = false;

  function setCameraState(text, on) {
    cameraState.textContent = text;
    camera.classList.toggle("camera-off", !on);
  }

  function decodeFrame() {
    decoding = true;
    if (detector) {
      detector.detect(video).then(function (codes) {
        decoding = false;
        if (codes.length) { onPayload(codes[0].rawValue, "camera"); }
      }, function () { detector = null; decoding = false; });
      return;
    }
    var scale = Math.min(1, 640 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context2d.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context2d.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR ? window.jsQR(image.data, image.width, image.height,
                                         {inversionAttempts: "dontInvert"}) : null;
    decoding = false;
    if (code && code.data) { onPayload(code.data, "camera"); }
  }

  function cameraLoop() {
    if (SCANNING[state.screen] && !state.busy && !state.dialogOpen && !decoding
        && video.readyState >= 2 && video.videoWidth) {
      try { decodeFrame(); } catch (e) { decoding = false; }
    }
    setTimeout(cameraLoop, 150);
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setCameraState(T.cameraOff, false);
      return;
    }
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {facingMode: "user", width: {ideal: 640}, height: {ideal: 480}}
    }).then(function (stream) {
      video.srcObject = stream;
      return video.play();
    }).then(function () {
      setCameraState(T.cameraOn, true);
      if ("BarcodeDetector" in window) {
        window.BarcodeDetector.getSupportedFormats().then(function (formats) {
          if (formats.indexOf("qr_code") >= 0) {
            detector = new window.BarcodeDetector({formats: ["qr_code"]});
          }
        }).catch(function () {});
      }
      cameraLoop();
    }).catch(function () {
      setCameraState(T.cameraOff, false);
    });
  }

  // ---------------------------------------------------------------- start

  show("start");
  startCamera();
})();
