// Rehearse: keyboard shortcuts and small conveniences. Every page works without this file;
// it only makes studying quicker (reveal in place, grade with a key, undo with Ctrl+Z).
(function () {
  "use strict";

  function typingIn(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "textarea" || tag === "select" || target.isContentEditable ||
      (tag === "input" && !/^(checkbox|radio|button|submit)$/.test(target.type));
  }

  // The running clock on a question: seconds since the page was first drawn by the server.
  function startTimer() {
    var timer = document.getElementById("timer");
    if (!timer) return;
    var offset = parseInt(timer.getAttribute("data-elapsed"), 10) || 0;
    var loaded = Date.now();
    function show() {
      var secs = offset + Math.floor((Date.now() - loaded) / 1000);
      var m = Math.floor(secs / 60), s = secs % 60;
      timer.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    }
    setInterval(show, 1000);
  }

  // A mock interview's countdown. The server owns the deadline; this only shows it ticking.
  function startCountdown() {
    var countdown = document.getElementById("countdown");
    if (!countdown) return;
    var remaining = parseInt(countdown.getAttribute("data-remaining"), 10) || 0;
    var loaded = Date.now();
    function text(secs) {
      var m = Math.floor(secs / 60), s = secs % 60;
      return m + ":" + (s < 10 ? "0" : "") + s;
    }
    function show() {
      var left = remaining - Math.floor((Date.now() - loaded) / 1000);
      countdown.textContent = left < 0 ? "over time by " + text(-left) : text(left);
      if (left < 0 && countdown.parentNode) countdown.parentNode.classList.add("over");
    }
    setInterval(show, 1000);
  }

  // Same rule as `practice::queue::suggested_grade`.
  function suggestedGrade(ticked, total) {
    if (total === 0) return null;
    if (ticked >= total) return 5;
    if (ticked === 0) return 1;
    if (ticked * 4 >= total * 3) return 4;
    if (ticked * 2 >= total) return 3;
    return 2;
  }

  function setUpKeyPoints() {
    var form = document.getElementById("grade-form");
    if (!form) return;
    var boxes = form.querySelectorAll('input[name="hit"]');
    var hint = document.getElementById("suggestion");
    function update() {
      var ticked = 0;
      boxes.forEach(function (b) { if (b.checked) ticked += 1; });
      var grade = suggestedGrade(ticked, boxes.length);
      form.querySelectorAll("button.grade").forEach(function (b) {
        b.classList.toggle("suggested", grade !== null && b.value === String(grade));
      });
      if (hint) {
        hint.textContent = ticked === 0 || grade === null ? "" :
          ticked + " of " + boxes.length + " key points: suggested grade " + grade + ".";
      }
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
  }

  function reveal() {
    var revealForm = document.getElementById("reveal-form");
    // In a mock interview the server records the moment of the reveal: send the form.
    if (revealForm && revealForm.hasAttribute("data-server-reveal")) {
      if (revealForm.getAttribute("data-submitted")) return true;
      if (revealForm.requestSubmit) revealForm.requestSubmit(); else revealForm.submit();
      return true;
    }
    var answer = document.getElementById("answer");
    if (!answer || !answer.hidden) return false;
    var typed = document.getElementById("typed");
    var yours = document.getElementById("your-answer");
    var yoursText = document.getElementById("your-answer-text");
    if (typed && yours && yoursText && typed.value.trim() !== "") {
      yoursText.textContent = typed.value;
      yours.hidden = false;
    }
    answer.hidden = false;
    if (revealForm) revealForm.hidden = true;
    document.title = document.title.replace(/^Question/, "Answer");
    var heading = document.getElementById("answer-heading");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    return true;
  }

  function setUpReveal() {
    var revealForm = document.getElementById("reveal-form");
    if (!revealForm) return;
    if (revealForm.hasAttribute("data-server-reveal")) return;
    revealForm.addEventListener("submit", function (event) {
      if (reveal()) event.preventDefault();
    });
  }

  // A form submits once: a second click or key press while the first is on its way is ignored
  // (the server also counts a repeated submission once).
  function guardDoubleSubmit() {
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-submitted")) {
          event.preventDefault();
          return;
        }
        if (!event.defaultPrevented) form.setAttribute("data-submitted", "1");
      });
    });
  }

  function submitGrade(value) {
    var answer = document.getElementById("answer");
    var form = document.getElementById("grade-form");
    if (!form || !answer || answer.hidden) return false;
    var button = form.querySelector('button.grade[value="' + value + '"]');
    if (!button) return false;
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.metaKey) return;
    if (event.ctrlKey) {
      if ((event.key === "z" || event.key === "Z") && !typingIn(event.target)) {
        var undo = document.getElementById("undo-form");
        if (undo) {
          event.preventDefault();
          if (undo.requestSubmit) undo.requestSubmit(); else undo.submit();
        }
      }
      return;
    }
    if (typingIn(event.target)) return;
    if (event.key === " " || event.key === "Spacebar") {
      var tag = event.target && event.target.tagName ? event.target.tagName.toLowerCase() : "";
      if (tag === "button" || tag === "a" || tag === "summary") return;
      if (reveal()) event.preventDefault();
    } else if (/^[0-5]$/.test(event.key)) {
      if (submitGrade(event.key)) event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    startTimer();
    startCountdown();
    setUpKeyPoints();
    setUpReveal();
    guardDoubleSubmit();
  });
})();
