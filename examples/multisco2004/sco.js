/*
 * sco.js: shared behaviour of the three SCOs of the multi-SCO sample course
 * (examples/multisco2004): "Module 1", "Module 2" and "Survey".
 * The page says what it is with <body data-kind="module|survey"
 * data-title="...">; the buttons present on the page decide what can happen.
 *
 * Buttons (ids are stable, for browser tests):
 *   #pass / #fail   modules only: success_status passed|failed + a score
 *   #complete       completion_status = completed, then Commit("")
 *   #continue       adl.nav.request = "continue", then Terminate("")
 *   #finish         Terminate("")
 *
 * SCORM 2004 RTE section 4.2 (cmi.*) and the SCORM navigation data model
 * (adl.nav.request, adl.nav.request_valid.*) in the same book define the
 * elements used here.
 */
(function () {
  "use strict";

  const startedAt = Date.now();
  const lms = ScormAPI.connect("2004");
  const kind = document.body.getAttribute("data-kind") || "module";
  const title = document.body.getAttribute("data-title") || document.title;
  let completed = false;
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

  function disableButtons() {
    document.querySelectorAll("button").forEach(function (button) {
      button.disabled = true;
    });
  }

  function selectedRating() {
    const input = document.querySelector('input[name="rating"]:checked');
    return input ? input.value : "";
  }

  // Modules record a result. cmi.score.scaled is what sequencing uses as the
  // objective's measure; raw/min/max are informative.
  function recordResult(passed) {
    const raw = passed ? 90 : 40;
    lms.set("cmi.score.min", "0");
    lms.set("cmi.score.max", "100");
    lms.set("cmi.score.raw", String(raw));
    lms.set("cmi.score.scaled", String(raw / 100));
    lms.set("cmi.success_status", passed ? "passed" : "failed");
    lms.commit();
    showStatus((passed ? "passed" : "failed") + " (score " + raw / 100 + ")");
  }

  function complete() {
    if (kind === "survey") {
      lms.set("cmi.suspend_data", JSON.stringify({ rating: selectedRating() }));
    }
    lms.set("cmi.completion_status", "completed");
    lms.commit();
    completed = true;
    showStatus("completed");
  }

  // Ends the session. An incomplete SCO is suspended so that a later launch
  // resumes it; a completed one exits normally (cmi.exit).
  function finish(navRequest) {
    if (finished) {
      return;
    }
    finished = true;
    if (navRequest) {
      // Processed by the LMS once Terminate("") returns.
      lms.set("adl.nav.request", navRequest);
    }
    lms.set("cmi.exit", completed ? "normal" : "suspend");
    lms.set("cmi.session_time", ScormAPI.formatDuration2004(Date.now() - startedAt));
    lms.terminate();
    disableButtons();
    showStatus(navRequest ? "asked the LMS to " + navRequest + "." : "finished.");
  }

  function describeNavigation() {
    const target = byId("nav-valid");
    if (target) {
      const valid = lms.get("adl.nav.request_valid.continue") || "unknown";
      target.textContent = "Continue request valid: " + valid;
    }
  }

  function start() {
    lms.initialize();
    const completion = lms.get("cmi.completion_status");
    completed = completion === "completed";
    if (completion === "" || completion === "unknown" || completion === "not attempted") {
      lms.set("cmi.completion_status", "incomplete");
      lms.commit();
    }
    if (kind === "survey" && lms.get("cmi.entry") === "resume") {
      const saved = ScormAPI.parseJSON(lms.get("cmi.suspend_data"), {});
      const input = typeof saved.rating === "string" ? byId("rating-" + saved.rating) : null;
      if (input) {
        input.checked = true;
      }
    }
    describeNavigation();
    showStatus(lms.available ? "ready." : "no LMS found, nothing is recorded.");
  }

  onClick("pass", function () {
    recordResult(true);
  });
  onClick("fail", function () {
    recordResult(false);
  });
  onClick("complete", complete);
  onClick("continue", function () {
    finish("continue");
  });
  onClick("finish", function () {
    finish("");
  });

  // The player may unload us without #finish being clicked.
  function onUnload() {
    finish("");
  }
  window.addEventListener("pagehide", onUnload);
  window.addEventListener("unload", onUnload);

  // Exposed for browser tests and debugging only.
  window.sampleSco = { lms: lms, kind: kind };

  start();
})();
