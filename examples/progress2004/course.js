/*
 * course.js: behaviour of the SCORM 2004 4th Edition sample SCO
 * (examples/progress2004).
 *
 * Data model elements used (SCORM 2004 RTE section 4.2, "SCORM Run-Time
 * Environment Data Model"):
 *   cmi.entry                 read: "resume" means restore the bookmark
 *   cmi.location              "n/4", the page the learner is on
 *   cmi.suspend_data          JSON: pages visited, answers, score
 *   cmi.progress_measure      pages visited / 4 (0.25, 0.5, 0.75, 1)
 *   cmi.completion_status     incomplete, then completed once all pages are seen
 *   cmi.scaled_passing_score  pass mark (manifest imsss:minNormalizedMeasure)
 *   cmi.score.scaled/raw/min/max
 *   cmi.success_status        passed or failed against the passing score
 *   cmi.exit                  "suspend" when leaving early, "normal" when done
 *   cmi.session_time          ISO 8601 duration, e.g. "PT0H1M5.20S"
 */
(function () {
  "use strict";

  const PAGE_COUNT = 4;
  const QUESTIONS = ["q1", "q2", "q3"];
  // Used when cmi.scaled_passing_score is unknown (""); matches the
  // manifest's imsss:minNormalizedMeasure.
  const DEFAULT_PASSING_SCORE = 0.7;

  const startedAt = Date.now();
  const lms = ScormAPI.connect("2004");
  const state = { page: 1, visited: [1], answers: {}, score: null };
  let finished = false;

  function byId(id) {
    return document.getElementById(id);
  }

  function showStatus(text) {
    byId("status").textContent = text;
  }

  function pageTitle(page) {
    return byId("page-" + page).getAttribute("data-title");
  }

  function progress() {
    return state.visited.length / PAGE_COUNT;
  }

  function isComplete() {
    return state.visited.length === PAGE_COUNT;
  }

  function passingScore() {
    const value = parseFloat(lms.get("cmi.scaled_passing_score"));
    return Number.isFinite(value) ? value : DEFAULT_PASSING_SCORE;
  }

  // Bookmark, state and progress. The manifest's completionThreshold
  // (completedByMeasure, minProgressMeasure 1.0) lets the LMS also derive
  // cmi.completion_status from cmi.progress_measure (RTE section 4.2,
  // cmi.completion_status evaluation); we set both so that LMSs without
  // threshold support agree.
  function saveState() {
    lms.set("cmi.location", state.page + "/" + PAGE_COUNT);
    lms.set(
      "cmi.suspend_data",
      JSON.stringify({ visited: state.visited, answers: state.answers, score: state.score }),
    );
    lms.set("cmi.progress_measure", String(progress()));
    lms.set("cmi.completion_status", isComplete() ? "completed" : "incomplete");
  }

  function render() {
    for (let page = 1; page <= PAGE_COUNT; page += 1) {
      byId("page-" + page).hidden = page !== state.page;
    }
    byId("page-indicator").textContent = "Page " + state.page + " of " + PAGE_COUNT;
    byId("prev").disabled = finished || state.page === 1;
    byId("next").disabled = finished || state.page === PAGE_COUNT;
    byId("submit-quiz").disabled = finished;
    byId("finish").disabled = finished;
  }

  function goTo(page) {
    state.page = Math.min(PAGE_COUNT, Math.max(1, page));
    if (state.visited.indexOf(state.page) === -1) {
      state.visited.push(state.page);
      state.visited.sort(function (a, b) {
        return a - b;
      });
    }
    render();
    saveState();
    lms.commit();
    showStatus(
      "Page " + state.page + " of " + PAGE_COUNT + ": " + pageTitle(state.page) +
        " (progress " + progress() + ")",
    );
  }

  function submitQuiz() {
    let correct = 0;
    let unanswered = 0;
    QUESTIONS.forEach(function (question) {
      const input = document.querySelector('input[name="' + question + '"]:checked');
      if (!input) {
        unanswered += 1;
      } else if (input.getAttribute("data-correct") === "true") {
        correct += 1;
      }
    });
    const raw = Math.round((100 * correct) / QUESTIONS.length);
    const scaled = raw / 100;
    const status = scaled >= passingScore() ? "passed" : "failed";

    // cmi.score.scaled is a real in [-1, 1]; raw/min/max are informative.
    state.score = raw;
    lms.set("cmi.score.min", "0");
    lms.set("cmi.score.max", "100");
    lms.set("cmi.score.raw", String(raw));
    lms.set("cmi.score.scaled", String(scaled));
    lms.set("cmi.success_status", status);
    saveState();
    lms.commit();

    let message = "Score " + raw + " \u2014 " + status;
    if (unanswered > 0) {
      message += " (" + unanswered + " unanswered)";
    }
    showStatus(message);
  }

  // Ends the session with Terminate(""). cmi.exit "suspend" keeps the attempt
  // open so the next launch resumes (cmi.entry = "resume"); "normal" ends it
  // (RTE section 4.2, cmi.exit).
  function finish() {
    if (finished) {
      return;
    }
    finished = true;
    const done = isComplete();
    lms.set("cmi.exit", done ? "normal" : "suspend");
    lms.set("cmi.session_time", ScormAPI.formatDuration2004(Date.now() - startedAt));
    saveState();
    lms.commit();
    lms.terminate();
    render();
    showStatus(
      (done ? "Finished" : "Suspended") + ": you can close this window or pick another activity.",
    );
  }

  function restore() {
    const data = ScormAPI.parseJSON(lms.get("cmi.suspend_data"), {});
    if (Array.isArray(data.visited)) {
      state.visited = data.visited.filter(function (page) {
        return Number.isInteger(page) && page >= 1 && page <= PAGE_COUNT;
      });
    }
    if (data.answers && typeof data.answers === "object") {
      QUESTIONS.forEach(function (question) {
        const value = data.answers[question];
        const input = typeof value === "string" ? byId(question + "-" + value) : null;
        if (input) {
          input.checked = true;
          state.answers[question] = value;
        }
      });
    }
    if (typeof data.score === "number") {
      state.score = data.score;
    }
    // cmi.location is "n/4"; anything unparsable leaves us on page 1.
    const page = parseInt(lms.get("cmi.location").split("/")[0], 10);
    return Number.isInteger(page) ? page : 1;
  }

  function start() {
    lms.initialize();

    let page = 1;
    const resuming = lms.get("cmi.entry") === "resume";
    if (resuming) {
      page = restore();
    }
    goTo(page);

    if (!lms.available) {
      showStatus("No LMS found: running on its own, nothing is recorded.");
    } else if (resuming) {
      showStatus("Welcome back: resumed at page " + state.page + " of " + PAGE_COUNT + ".");
    }
  }

  byId("prev").addEventListener("click", function () {
    goTo(state.page - 1);
  });
  byId("next").addEventListener("click", function () {
    goTo(state.page + 1);
  });
  byId("submit-quiz").addEventListener("click", submitQuiz);
  byId("finish").addEventListener("click", finish);

  // Keep answers in cmi.suspend_data as they are picked; the next page
  // change (or finish) commits them.
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (input && input.type === "radio" && QUESTIONS.indexOf(input.name) !== -1) {
      state.answers[input.name] = input.value;
      saveState();
    }
  });

  // The player may unload us (next activity, closed tab) without #finish
  // being clicked: end the session then.
  window.addEventListener("pagehide", finish);
  window.addEventListener("unload", finish);

  // Exposed for browser tests and debugging only.
  window.sampleSco = { state: state, lms: lms };

  start();
})();
