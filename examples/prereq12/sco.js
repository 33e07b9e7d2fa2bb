/*
 * sco.js: shared behaviour of the three SCOs of the SCORM 1.2 prerequisites
 * sample (examples/prereq12): "Lesson 1", "Lesson 2" and "Quiz".
 * The page says what it is with <body data-title="...">; the buttons present
 * on the page decide what can happen.
 *
 * Buttons (ids are stable, for browser tests):
 *   #complete       lessons: cmi.core.lesson_status = completed, LMSCommit("")
 *   #pass / #fail   quiz: score 100 or 0 (min 0, max 100), lesson_status
 *                   passed or failed, LMSCommit("")
 *   #finish         cmi.core.exit, cmi.core.session_time, LMSFinish("")
 *
 * SCORM 1.2 RTE section 3.4 (the cmi.core elements) defines what is set here.
 */
(function () {
  "use strict";

  const startedAt = Date.now();
  const lms = ScormAPI.connect("1.2");
  const title = document.body.getAttribute("data-title") || document.title;
  let done = false;
  let finished = false;

  function byId(id) {
    return document.getElementById(id);
  }

  function showStatus(text) {
    byId("status").textContent = title + ": " + text;
  }

  function onClick(id, handler) {
    const button = byId(id);
    if (button) {
      button.addEventListener("click", handler);
    }
  }

  function record(status, score) {
    if (score !== null) {
      lms.set("cmi.core.score.min", "0");
      lms.set("cmi.core.score.max", "100");
      lms.set("cmi.core.score.raw", String(score));
    }
    lms.set("cmi.core.lesson_status", status);
    lms.commit();
    done = true;
    showStatus(status + ".");
  }

  // Ends the session: a SCO left unfinished is suspended so that it resumes.
  function finish() {
    if (finished) {
      return;
    }
    finished = true;
    lms.set("cmi.core.exit", done ? "" : "suspend");
    lms.set("cmi.core.session_time", ScormAPI.formatTime12(Date.now() - startedAt));
    lms.terminate();
    document.querySelectorAll("button").forEach(function (button) {
      button.disabled = true;
    });
    showStatus("finished.");
  }

  function start() {
    lms.initialize();
    const status = lms.get("cmi.core.lesson_status");
    done = status === "completed" || status === "passed";
    if (status === "" || status === "not attempted") {
      lms.set("cmi.core.lesson_status", "incomplete");
      lms.commit();
    }
    showStatus(lms.available ? "ready." : "no LMS found, nothing is recorded.");
  }

  onClick("complete", function () {
    record("completed", null);
  });
  onClick("pass", function () {
    record("passed", 100);
  });
  onClick("fail", function () {
    record("failed", 0);
  });
  onClick("finish", finish);

  // The player may unload us without #finish being clicked.
  window.addEventListener("pagehide", finish);
  window.addEventListener("unload", finish);

  // Exposed for browser tests and debugging only.
  window.sampleSco = { lms: lms, title: title };

  start();
})();
