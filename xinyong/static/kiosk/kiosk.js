// Self-service terminal screens: back to the start screen after the idle time (with
// location.replace, so the browser's history keeps nothing), the on-screen keypad (a
// barcode or QR scanner typing digits and Enter into the focused field works too), and the
// printing screen (loads the report's PDF in a frame, prints it, says "take your report").
(function () {
  "use strict";
  var body = document.body;
  var startUrl = body.getAttribute("data-start-url") || "/kiosk/";
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var framed = window.top !== window.self;  // a message shown inside the printing frame

  function home() {
    var frame = document.querySelector(".kiosk-frame");
    if (frame) { frame.removeAttribute("src"); frame.remove(); }
    window.location.replace(startUrl);
  }

  // Idle: any touch, click or key starts the count again.
  var timer = null;
  function wake() {
    if (!idleSeconds || framed) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(home, idleSeconds * 1000);
  }
  ["pointerdown", "touchstart", "keydown", "input", "wheel"].forEach(function (name) {
    document.addEventListener(name, wake, { passive: true, capture: true });
  });
  wake();

  document.querySelectorAll("[data-home]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (framed) { window.top.location.replace(startUrl); } else { home(); }
    });
  });

  // The keypad.
  var form = document.querySelector("[data-keypad-form]");
  if (form) {
    var input = form.querySelector("input[name=code]");
    var max = parseInt(input.getAttribute("maxlength") || "8", 10);
    var focus = function () { input.focus({ preventScroll: true }); };
    form.querySelectorAll("[data-key]").forEach(function (key) {
      key.addEventListener("click", function () {
        if (input.value.length < max) input.value += key.getAttribute("data-key");
        input.dispatchEvent(new Event("input", { bubbles: true }));
        focus();
      });
    });
    form.querySelectorAll("[data-action]").forEach(function (key) {
      key.addEventListener("click", function () {
        input.value = key.getAttribute("data-action") === "clear" ? "" : input.value.slice(0, -1);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        focus();
      });
    });
    // Keep the field focused, so a scanner's digits always land in it.
    document.addEventListener("click", function (event) {
      if (!event.target.closest("input, a")) focus();
    });
    var error = form.querySelector(".kiosk-error");
    input.addEventListener("input", function () {
      var digits = input.value.replace(/[^0-9０-９]/g, "");
      if (digits !== input.value) input.value = digits;
      // A new code being typed: the last one's error goes (a lock's message stays).
      if (error && !error.classList.contains("kiosk-locked")) {
        error.textContent = "";
        input.classList.remove("is-invalid");
      }
    });
    form.addEventListener("submit", function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    });
    focus();
  }

  // The printing screen.
  var printing = document.querySelector("[data-printing]");
  if (printing) {
    var frame = printing.querySelector(".kiosk-frame");
    var doneAfter = parseInt(printing.getAttribute("data-done-after") || "5", 10);
    var show = function (state) {
      printing.querySelectorAll("[data-state]").forEach(function (section) {
        section.hidden = section.getAttribute("data-state") !== state;
      });
    };
    frame.addEventListener("load", function () {
      var doc = null;
      try { doc = frame.contentDocument; } catch (e) { doc = null; }
      // A message page instead of the PDF (the ticket was used, the terminal stopped …).
      var message = doc && doc.querySelector ? doc.querySelector("[data-message]") : null;
      if (message) {
        printing.querySelector("[data-failure]").textContent = message.textContent.trim();
        show("failed");
        wake();
        return;
      }
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();  // with Chromium's --kiosk-printing: no dialog
      } catch (e) { /* printed by the browser's own viewer, or not at all */ }
      window.setTimeout(function () { show("done"); wake(); }, doneAfter * 1000);
    });
    frame.setAttribute("src", frame.getAttribute("data-src"));
  }
})();
