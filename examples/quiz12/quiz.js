/*
 * quiz.js: behaviour of the SCORM 1.2 sample SCO (examples/quiz12).
 *
 * Data model elements used (SCORM 1.2 RTE section 3.4, "Data Model"):
 *   cmi.core.entry              read: "resume" means restore the bookmark
 *   cmi.core.lesson_location    "n/3", the page the learner is on
 *   cmi.suspend_data            JSON: pages visited, answers, score
 *   cmi.student_data.mastery_score  pass mark (manifest adlcp:masteryscore)
 *   cmi.core.score.raw/min/max  0..100
 *   cmi.core.lesson_status      incomplete, then passed or failed
 *   cmi.core.exit               "suspend" when leaving early, "" when done
 *   cmi.core.session_time       CMITimespan HHHH:MM:SS.SS
 */
(function () {
  "use strict";

  const PAGE_COUNT = 3;
  const QUESTIONS = ["q1", "q2", "q3"];
  // Used when the LMS does not pass cmi.student_data.mastery_score on (it is
  // optional for the LMS in SCORM 1.2); matches the manifest's value.
  const DEFAULT_MASTERY_SCORE = 80;

  const startedAt = Date.now();
  const lms = ScormAPI.connect("1.2");
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

  function masteryScore() {
    const value = parseFloat(lms.get("cmi.student_data.mastery_score"));
    return Number.isFinite(value) ? value : DEFAULT_MASTERY_SCORE;
  }

  // Bookmark and state. cmi.core.lesson_location is CMIString255 and
  // cmi.suspend_data CMIString4096, so both stay well inside the limits.
  function saveState() {
    lms.set("cmi.core.lesson_location", state.page + "/" + PAGE_COUNT);
    lms.set(
      "cmi.suspend_data",
      JSON.stringify({ visited: state.visited, answers: state.answers, score: state.score }),
    );
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
    showStatus("Page " + state.page + " of " + PAGE_COUNT + ": " + pageTitle(state.page));
  }

  function checkedAnswer(question) {
    return document.querySelector('input[name="' + question + '"]:checked');
  }

  function submitQuiz() {
    let correct = 0;
    let unanswered = 0;
    QUESTIONS.forEach(function (question) {
      const input = checkedAnswer(question);
      if (!input) {
        unanswered += 1;
      } else if (input.getAttribute("data-correct") === "true") {
        correct += 1;
      }
    });
    const score = Math.round((100 * correct) / QUESTIONS.length);
    const status = score >= masteryScore() ? "passed" : "failed";

    state.score = score;
    lms.set("cmi.core.score.min", "0");
    lms.set("cmi.core.score.max", "100");
    lms.set("cmi.core.score.raw", String(score));
    lms.set("cmi.core.lesson_status", status);
    saveState();
    lms.commit();

    let message = "Score " + score + " \u2014 " + status;
    if (unanswered > 0) {
      message += " (" + unanswered + " unanswered)";
    }
    showStatus(message);
  }

  // Ends the session. A learner who leaves before submitting the quiz is
  // suspended so the next launch resumes (cmi.core.entry = "resume");
  // after submitting, exit is "" (a normal end of the attempt).
  function finish() {
    if (finished) {
      return;
    }
    finished = true;
    const done = state.score !== null;
    lms.set("cmi.core.exit", done ? "" : "suspend");
    lms.set("cmi.core.session_time", ScormAPI.formatTime12(Date.now() - startedAt));
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
    // lesson_location is "n/3"; anything unparsable leaves us on page 1.
    const page = parseInt(lms.get("cmi.core.lesson_location").split("/")[0], 10);
    return Number.isInteger(page) ? page : 1;
  }

  function start() {
    lms.initialize();

    const status = lms.get("cmi.core.lesson_status");
    if (status === "" || status === "not attempted") {
      lms.set("cmi.core.lesson_status", "incomplete");
    }

    let page = 1;
    const resuming = lms.get("cmi.core.entry") === "resume";
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
  // being clicked: end the session then, suspended unless the quiz was done.
  window.addEventListener("pagehide", finish);
  window.addEventListener("unload", finish);

  // Exposed for browser tests and debugging only.
  window.sampleSco = { state: state, lms: lms };

  start();
})();
