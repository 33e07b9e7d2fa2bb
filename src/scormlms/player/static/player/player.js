// The player page: replays the journal, starts each SCO session, drives the menu and buttons.
// Data flow: SCO → scorm-again API → ScoSession.commit → Journal → Sender → /api/scorm/result.

import { Journal } from "./journal.js";
import { neighbours, nextItem, parseRequest, requestAfterFinish12 } from "./navigation.js";
import { ScoSession } from "./runtime.js";
import { STATUS_TEXT, Sender } from "./sender.js";
import { Sequencer, StateStore, unpackState } from "./sequencer.js";

const $ = (id) => document.getElementById(id);
const UNLOAD_WAIT_MS = 3000;
const LEAVE_WAIT_MS = 8000;
const SWITCH_WAIT_MS = 10000;
// Requests after which flow picks the next item: with SCORM 1.2 prerequisites, which one
// depends on what the SCO that just ended reported.
const MOVES = new Set(["continue", "previous"]);
const COURSE_END = "You have reached the end of this course.";
// The SCORM 2004 requests that move to another activity (SN NB.2.1).
const MOVES_2004 = new Set(["continue", "previous", "choice", "jump"]);

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Player {
  constructor(config) {
    this.config = config;
    this.items = config.items;
    this.frame = $("sco-frame");
    this.journal = new Journal(config.learnerId, config.courseId);
    this.sender = new Sender({
      url: config.urls.result,
      journal: this.journal,
      onStatus: (status) => this.showStatus(status),
      onAck: (payload, answer) => this.acknowledged(payload, answer),
      onError: (message) => this.showError(message),
    });
    this.session = null;
    this.attemptId = null;
    this.review = false;
    this.finished = false; // the attempt is Completed (a commit of this visit finished it)
    this.current = null;
    this.busy = false;
    this.leaving = false;
    this.refusal = null; // the message of the last refused launch, hidden by the next launch
    // A sequenced course (SPEC §11): the engine decides what launches (sequencer.js).
    this.sequencer = null;
    this.states = null;
    this.stateSeq = 0;
    this.nextDelivery = null; // an activity the engine delivered while the player was busy
    this.endedLater = ""; // how the sequencing session ended while the player was busy
    this.exiting = false; // leaving the player for good (leave())
    this.keepError = false; // the next delivery leaves the shown message (a refusal) up
    this.courseEnded = false; // the sequencing session reached the end of the content
    this.stateReads = 0; // GET state requests sent (refreshState shows the newest only)
  }

  async boot() {
    this.bindUi();
    this.showStatus("saved");
    // Anything an earlier visit journaled but never delivered goes first, so that the
    // preload below already contains it.
    await this.sender.drain({ includeDrafts: true });
    if (this.config.sequenced) await this.run(() => this.beginSequencing());
    else await this.run(() => this.launch(this.config.itemId || null));
  }

  bindUi() {
    $("save-resume").addEventListener("click", () => this.leave({ save: true, resumable: true }));
    const dialog = $("exit-dialog");
    $("exit").addEventListener("click", () => dialog.showModal());
    $("exit-save").addEventListener("click", () => {
      dialog.close();
      this.leave({ save: true, resumable: true });
    });
    $("exit-discard").addEventListener("click", () => {
      dialog.close();
      this.leave({ save: false });
    });
    $("exit-cancel").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      if (!this.leaving) $("exit").focus();
    });
    for (const button of document.querySelectorAll("#toc button[data-item-id]")) {
      button.addEventListener("click", () => {
        // A sequenced course asks its engine (which answers a refusal with a message).
        if (this.sequencer) {
          this.navigate({ kind: "choice", target: button.dataset.itemId });
          return;
        }
        // A locked item (SCORM 1.2 prerequisites) is never launched; its reason is shown.
        if (button.getAttribute("aria-disabled") === "true") {
          const title = button.querySelector(".toc-title").textContent;
          this.refusal = `${title}: ${button.dataset.lockedReason}`;
          this.showError(this.refusal);
        } else {
          this.goTo(button.dataset.itemId);
        }
      });
    }
    for (const id of ["prev", "next", "ended-next"]) {
      const button = $(id);
      if (!button) continue;
      button.addEventListener("click", () => {
        if (this.sequencer) this.navigate({ kind: id === "prev" ? "previous" : "continue" });
        else if (button.dataset.target) this.goTo(button.dataset.target);
      });
    }
    window.addEventListener("pagehide", () => this.pageHidden(true));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.pageHidden(false);
    });
    window.addEventListener("pageshow", (event) => event.persisted && this.sender.resume());
  }

  pageHidden(unloading) {
    this.session?.writeDraft();
    this.sender.flush({ unloading });
    this.states?.pump();
  }

  csrfToken() {
    return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  }

  // POST JSON; network failures are retried with backoff (the learner sees "Offline").
  async post(url, body, { csrf = false, attempts = Infinity } = {}) {
    const headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRFToken"] = this.csrfToken();
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers,
          credentials: "same-origin",
          body: JSON.stringify(body),
        });
        if (response.status < 500) {
          const data = await response.json().catch(() => ({}));
          return { status: response.status, data };
        }
      } catch {
        // network down: retry below
      }
      if (attempt >= attempts) return { status: 0, data: {} };
      this.showStatus("offline");
      await wait(Math.min(30000, 1000 * 2 ** (attempt - 1)));
    }
  }

  async launch(itemId) {
    const body = { courseId: this.config.courseId };
    if (itemId) body.itemId = itemId;
    if (this.attemptId) body.attemptId = this.attemptId;
    const { status, data } = await this.post(this.config.urls.start, body, { csrf: true });
    this.showStatus(this.sender.status);
    if (status !== 200 || !data.ok) {
      // A refusal (409: a locked item) names its reason; the menu shows what is open.
      const message = data.message || `The course could not be started (${status}).`;
      if (status === 409) {
        this.refusal = message;
        await this.refreshState();
      }
      throw new Error(message);
    }
    if (this.refusal) {
      // What was read when the launch was refused is out of date now.
      if ($("player-error").textContent === this.refusal) $("player-error").hidden = true;
      this.refusal = null;
      this.refreshState();
    }
    const launch = data.launch;
    this.attemptId = data.attemptId;
    // Each start answers for its own SCO: in a completed attempt, a SCO it never finished
    // plays normally (SPEC §6).
    this.showReview(Boolean(data.review));
    this.session = new ScoSession({
      launch,
      ids: {
        courseId: this.config.courseId,
        attemptId: data.attemptId,
        learnerId: launch.learnerId || this.config.learnerId,
      },
      resultUrl: this.config.urls.result,
      journal: this.journal,
      sender: this.sender,
      onTerminate: (session) => this.terminated(session),
      // The engine moves into this SCO's API with the state of the one that delivered it.
      engine: this.sequencer ? { sequencer: this.sequencer, state: this.sequencer.serialize() } : null,
    });
    // The SCO looks for the API in its parent window as it loads (SCORM 1.2 RTE 3.3.6.1,
    // SCORM 2004 4th ed. RTE 3.3): it must exist before the frame gets its address.
    if (launch.standard === "1.2") window.API = this.session.api;
    else window.API_1484_11 = this.session.api;
    this.current = launch.itemId;
    this.frame.dataset.itemId = launch.itemId;
    if (this.sequencer) this.saveState();
    else this.showItems(launch.items);
    this.showCurrent();
    $("ended").hidden = true;
    this.courseEnded = false;
    this.frame.src = launch.launchUrl;
  }

  // Called from inside the SCO's Terminate/LMSFinish: act once it has returned.
  terminated(session) {
    if (this.leaving || session !== this.session) return;
    setTimeout(() => this.afterTerminate(session), 0);
  }

  async afterTerminate(session) {
    if (this.leaving || this.busy || session !== this.session) return;
    if (this.sequencer) {
      await this.settleTerminated(parseRequest(session.navRequest), session);
      return;
    }
    const request =
      session.standard === "1.2"
        ? requestAfterFinish12(session.values["cmi.core.lesson_status"])
        : parseRequest(session.navRequest);
    if (this.config.prerequisites && MOVES.has(request.kind)) {
      // What this SCO reported may open the next item: decide once the server has it.
      await this.run(() => this.settle());
      if (this.leaving || session !== this.session) return;
    }
    const target = nextItem(this.items, this.current, request);
    if (target?.leave) this.leave({ save: true, resumable: target.leave === "suspend" });
    else if (target?.itemId) this.goTo(target.itemId);
    else this.showEnded();
  }

  // Let the SCO end itself as its page unloads; end it for it when it does not.
  async unloadSco() {
    this.leaving = true;
    try {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, UNLOAD_WAIT_MS);
        this.frame.addEventListener(
          "load",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
        this.frame.src = "about:blank";
      });
      this.session?.terminateIfRunning();
    } finally {
      this.leaving = false;
    }
  }

  // Every commit acknowledged, then the checklist read again (which items are locked now).
  async settle() {
    await this.sender.drain({ timeoutMs: SWITCH_WAIT_MS });
    await this.refreshState();
  }

  async goTo(itemId) {
    await this.run(async () => {
      await this.unloadSco();
      // A relaunch of the same SCO must preload what its last session sent.
      await this.sender.drain({ timeoutMs: SWITCH_WAIT_MS });
      await this.launch(itemId);
    });
  }

  async run(task) {
    if (this.busy) return;
    this.busy = true;
    this.setButtonsDisabled(true);
    try {
      await task();
    } catch (error) {
      this.showError(error.message || String(error));
    } finally {
      this.busy = false;
      this.setButtonsDisabled(false);
      this.showCurrent();
    }
    if (this.nextDelivery && !this.exiting) {
      const id = this.nextDelivery;
      this.nextDelivery = null;
      await this.run(() => this.launchActivity(id));
    } else if (this.endedLater && !this.exiting) {
      const reason = this.endedLater;
      this.endedLater = "";
      this.sessionEnded(reason);
    }
  }

  // save: deliver what the SCO set, or drop what is undelivered ("Don't save", SPEC §6).
  // resumable: the learner left to come back (the dashboard says it was saved).
  async leave({ save, resumable = false }) {
    if (this.busy) return;
    this.busy = true;
    this.exiting = true;
    this.setButtonsDisabled(true);
    const session = this.session;
    if (save && this.sequencer && !this.review && !this.sequencer.endedReason) {
      // Leaving to come back suspends the sequencing session (SN: suspendAll), so the next
      // visit resumes this activity; the SCO's Terminate processes it, or the engine does.
      // A session that has ended already (exitAll, suspendAll, the end of the content) keeps
      // the end it had: its last save said so.
      let asked = false;
      if (session?.running) asked = session.api.SetValue("adl.nav.request", "suspendAll") === "true";
      session?.commitNow();
      await this.unloadSco();
      if (!asked && !this.sequencer.endedReason) this.sequencer.request({ kind: "suspendAll" });
      this.saveState({ ended: "suspend_all" });
      this.leaving = true;
      await Promise.all([
        this.sender.drain({ includeDrafts: true, timeoutMs: LEAVE_WAIT_MS }),
        this.states.drain(LEAVE_WAIT_MS),
      ]);
    } else if (save) {
      session?.commitNow();
      await this.unloadSco();
      this.leaving = true;
      // Wait for the acknowledgement, not forever: what is not acknowledged stays in the
      // journal and is sent on the next launch.
      await Promise.all([
        this.sender.drain({ includeDrafts: true, timeoutMs: LEAVE_WAIT_MS }),
        this.states ? this.states.drain(LEAVE_WAIT_MS) : null,
      ]);
    } else {
      session?.discard();
      await this.unloadSco();
      this.leaving = true;
      if (session) {
        await this.post(
          this.config.urls.discard,
          { attemptId: session.ids.attemptId, token: session.launch.token },
          { attempts: 3 },
        );
      }
    }
    window.location.assign(this.homeUrl(save && resumable));
  }

  // "Saved — resume any time" only where it is true: not in review (its commits only reach
  // the event log) and not once the attempt is finished (it is reviewed, not resumed).
  homeUrl(saved) {
    if (!saved || this.review || this.finished) return this.config.urls.home;
    const url = new URL(this.config.urls.home, window.location.href);
    url.searchParams.set("saved", this.config.courseId);
    return url.href;
  }

  // ---------------------------------------------------------------- sequencing (SPEC §11)

  async beginSequencing() {
    const { status, data } = await this.post(
      this.config.urls.open,
      { courseId: this.config.courseId },
      { csrf: true },
    );
    if (status !== 200 || !data.ok) {
      throw new Error(data.message || `The course could not be started (${status}).`);
    }
    this.attemptId = data.attemptId;
    this.showReview(Boolean(data.review));
    this.states = new StateStore({
      url: this.config.urls.sequencing,
      learnerId: this.config.learnerId,
      attemptId: data.attemptId,
      onAck: (answer) => this.stateAcknowledged(answer),
    });
    // What an earlier visit journaled and never delivered is newer than the server's copy.
    let { state, seq } = data.sequencing;
    const local = this.states.read();
    if (local && local.seq > seq) ({ state, seq } = local.body);
    this.stateSeq = seq;
    state = await unpackState(state).catch(() => null); // unreadable: the engine starts afresh
    this.sequencer = new Sequencer({
      tree: data.sequencing.activityTree,
      listeners: {
        deliver: (id) => this.onDeliver(id),
        validity: () => this.showCurrent(),
        ended: (reason) => this.onEnded(reason),
      },
    });
    this.showTree();
    const ids = new Set(this.sequencer.ids);
    const leaves = this.items.filter((i) => i.launchable && ids.has(i.itemId)).map((i) => i.itemId);
    if (!this.sequencer.begin(state, { target: this.config.itemId, leaves })) {
      // The course does not start by itself (its root allows no flow): the learner chooses.
      const menu = document.querySelector("#toc button[data-item-id]");
      this.showEnded(
        menu ? "Choose where to begin from the menu." : "Nothing in this course can be started now.",
      );
    }
  }

  onDeliver(id) {
    if (this.exiting) return;
    // Deliveries happen inside a SCO's Terminate, often while the player is unloading it.
    if (this.busy || this.leaving) this.nextDelivery = id;
    else this.run(() => this.launchActivity(id));
  }

  async launchActivity(id) {
    if (!this.keepError) $("player-error").hidden = true;
    this.keepError = false;
    await this.unloadSco();
    await this.sender.drain({ timeoutMs: SWITCH_WAIT_MS });
    await this.launch(id);
  }

  // A request from the player's buttons or menu. Refused with a message when the engine says
  // it is not valid now, unless the running SCO has reported something since that validity
  // was computed (it lags: SEQUENCING.md defect 5). Set on the running SCO, it is processed
  // at its Terminate (settleTerminated); with no SCO running the engine takes it at once.
  async navigate(request) {
    if (this.busy || !this.sequencer) return;
    const running = this.session?.running;
    if (!this.sequencer.valid(request) && !(running && this.session.reported)) {
      this.showError(this.refusedMessage(request));
      return;
    }
    $("player-error").hidden = true;
    const text = request.target ? `{target=${request.target}}${request.kind}` : request.kind;
    const session = this.session;
    if (running && session.api.SetValue("adl.nav.request", text) === "true") {
      await this.run(() => this.unloadSco());
      await this.settleTerminated(request, session);
      return;
    }
    if (!this.sequencer.request(request)) {
      this.showError(this.refusedMessage(request));
      return;
    }
    await wait(0);
    this.deliverCurrentIfNone();
  }

  // After a SCO's Terminate in a sequenced course. The engine processed the SCO's navigation
  // request inside it: what it delivered launches (onDeliver), an ended session is handled by
  // onEnded. A move it refused there was judged on the validity from before the attempt ended
  // (defect 5): asked again once the attempt has ended; refused still, the learner is told and
  // stays on the activity when it can be chosen again.
  async settleTerminated(request, session) {
    await wait(0); // the engine's events reach the player in a task of their own
    const seq = this.sequencer;
    const moved = this.session !== session || this.nextDelivery;
    if (this.exiting || moved || seq.delivered || seq.endedReason) return;
    if (!MOVES_2004.has(request.kind)) {
      // The SCO ended without asking for anything and nothing follows by itself: the learner
      // chooses. The save says so (a finished attempt closes now, not when the learner leaves).
      this.saveState({ waiting: true });
      this.showEnded();
      return;
    }
    this.saveState();
    if (seq.retryAfterExit(request)) {
      await wait(0);
      this.deliverCurrentIfNone();
      return;
    }
    this.showError(this.refusedMessage(request));
    const current = seq.current();
    if (current && seq.request({ kind: "choice", target: current })) {
      this.keepError = true;
      await wait(0);
      this.deliverCurrentIfNone();
    } else {
      this.showEnded();
    }
  }

  // SEQUENCING.md defect 3: choosing an exited activity again is accepted without a delivery.
  deliverCurrentIfNone() {
    const seq = this.sequencer;
    if (seq.delivered || seq.endedReason || this.busy || this.exiting) return;
    const current = seq.current();
    if (current) this.onDeliver(current);
    else this.showEnded();
  }

  refusedMessage(request) {
    if (request.kind === "choice") {
      const item = this.items.find((i) => i.itemId === request.target);
      return `“${item?.title || request.target}” is not available yet: the course decides the order.`;
    }
    return request.kind === "previous"
      ? "Going back is not available here."
      : "Going on is not available yet: finish this part first.";
  }

  onEnded(reason) {
    this.saveState({ ended: reason });
    if (this.exiting) return;
    // The end comes inside a SCO's Terminate, often while the player is unloading it.
    if (this.busy || this.leaving) this.endedLater = reason;
    else this.sessionEnded(reason);
  }

  sessionEnded(reason) {
    if (reason === "suspend_all") this.leave({ save: true, resumable: true });
    else if (reason === "exit_all" || reason === "abandon_all") this.leave({ save: true });
    else this.showCourseEnd();
  }

  // end_of_content: the learner went past the last activity. What the engine computed before
  // no longer applies (the session is over); the course status follows once the server has
  // the final state (refreshState).
  showCourseEnd() {
    this.courseEnded = true;
    this.sequencer.validity = null;
    this.showEnded(COURSE_END);
    this.refreshState();
  }

  saveState({ ended = "", waiting = false, unloading = false } = {}) {
    if (!this.sequencer || !this.states || !this.session) return;
    this.stateSeq += 1;
    this.states.put(
      {
        attemptId: this.attemptId,
        token: this.session.launch.token,
        seq: this.stateSeq,
        state: this.sequencer.serialize(),
        activities: this.sequencer.activities(),
        choice: this.sequencer.choices(),
        ended,
        waiting,
      },
      { unloading },
    );
  }

  stateAcknowledged(answer) {
    if (answer.status) this.finished = answer.status === "Completed";
    this.refreshState();
  }

  // Only the activities of this attempt's tree are listed (a test bank's unselected tests
  // are not part of it).
  showTree() {
    const ids = new Set(this.sequencer.ids);
    for (const button of document.querySelectorAll("#toc button[data-item-id]")) {
      button.closest("li").hidden = !ids.has(button.dataset.itemId);
    }
  }

  acknowledged(payload, answer) {
    if (this.session && payload.token === this.session.launch.token) this.session.acknowledged(payload);
    if (answer.status) this.finished = answer.status === "Completed";
    // With SCORM 1.2 prerequisites any commit may open an item: the menu follows each one.
    const refresh = payload.reason === "finish" || answer.completed || answer.certificateUrl;
    if (refresh || this.config.prerequisites) this.refreshState();
  }

  async refreshState() {
    // Reads overlap (a commit's and a sequencing save's acknowledgement): only the newest one
    // is shown, or a slower older answer would put an outdated status back.
    const read = ++this.stateReads;
    try {
      const response = await fetch(this.config.urls.state, { credentials: "same-origin" });
      if (!response.ok) return;
      const state = await response.json();
      if (read !== this.stateReads) return;
      $("course-status").textContent = state.displayStatus || "";
      if (this.courseEnded && state.displayStatus) {
        $("ended-text").textContent = `${COURSE_END} Course status: ${state.displayStatus}.`;
      }
      this.showItems(state.items);
      const link = $("certificate");
      if (state.certificateUrl) {
        link.href = state.certificateUrl;
        link.hidden = false;
      }
    } catch {
      // the status line is a courtesy; the next acknowledgement refreshes it again
    }
  }

  showItems(items) {
    for (const item of items || []) {
      const entry = this.items.find((i) => i.itemId === item.itemId);
      if (entry) {
        entry.available = item.available !== false;
        entry.lockedReason = item.lockedReason;
      }
      const button = document.querySelector(`#toc button[data-item-id="${CSS.escape(item.itemId)}"]`);
      if (!button) continue;
      if (this.sequencer) {
        // What can be chosen now is the engine's to say (showValidity).
        button.querySelector(".toc-status").textContent = item.status;
        button.dataset.status = item.status;
        continue;
      }
      const locked = item.available === false;
      button.querySelector(".toc-status").textContent = locked ? "Locked" : item.status;
      button.dataset.status = item.status;
      // Locked (SCORM 1.2 prerequisites): still focusable, announced as unavailable, and the
      // reason is part of the button's text, not only a tooltip.
      const reason = button.querySelector(".toc-lock");
      reason.textContent = locked ? item.lockedReason || "" : "";
      reason.hidden = !locked;
      button.dataset.lockedReason = locked ? item.lockedReason || "" : "";
      if (locked) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    }
    this.showCurrent();
  }

  showCurrent() {
    for (const button of document.querySelectorAll("#toc button[data-item-id]")) {
      if (button.dataset.itemId === this.current) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
    }
    if (this.sequencer) {
      this.showValidity();
      return;
    }
    const { previous, next, locked } = neighbours(this.items, this.current);
    const note = $("ended-locked");
    note.textContent = locked ? `“${locked.title}” is locked. ${locked.lockedReason || ""}` : "";
    note.hidden = !locked;
    for (const [id, target] of [
      ["prev", previous],
      ["next", next],
      ["ended-next", next],
    ]) {
      const button = $(id);
      if (!button) continue;
      button.dataset.target = target || "";
      button.disabled = this.busy || !target;
      if (id === "ended-next") button.hidden = !target;
    }
  }

  // The player's buttons and menu as the engine's validity says (SPEC §11): Previous / Next
  // only where valid, hidden where the content asks (hideLMSUI), menu items that cannot be
  // chosen now announced as unavailable.
  showValidity() {
    const seq = this.sequencer;
    for (const [id, kind, control] of [
      ["prev", "previous", "previous"],
      ["next", "continue", "continue"],
      ["ended-next", "continue", "continue"],
    ]) {
      const button = $(id);
      if (!button) continue;
      button.disabled = this.busy || !seq.valid({ kind });
      button.hidden = seq.hidden(control) || (id === "ended-next" && button.disabled);
    }
    $("exit").hidden = seq.hidden("exit") && seq.hidden("exitAll");
    // Saving to resume later is a suspendAll, in the Exit dialog too.
    $("save-resume").hidden = $("exit-save").hidden = seq.hidden("suspendAll");
    for (const button of document.querySelectorAll("#toc button[data-item-id]")) {
      const open = seq.valid({ kind: "choice", target: button.dataset.itemId });
      if (open) button.removeAttribute("aria-disabled");
      else button.setAttribute("aria-disabled", "true");
      button.dataset.lockedReason = open ? "" : "not available yet";
    }
  }

  showEnded(message = "This part of the course has ended.") {
    $("ended-text").textContent = message;
    $("ended").hidden = false;
    this.showCurrent();
  }

  setButtonsDisabled(disabled) {
    for (const button of document.querySelectorAll(".player-bar button, #toc button, #ended button")) {
      button.disabled = disabled;
    }
  }

  // Review mode (SPEC §6): the learner sees that nothing here changes their result, and the
  // Exit dialog describes the same.
  showReview(review) {
    this.review = review;
    $("review-banner").textContent = review ? "Review — your result is kept" : "";
    $("exit-choices").hidden = review;
    $("exit-review").hidden = !review;
    $("exit-dialog").setAttribute("aria-describedby", review ? "exit-review" : "exit-choices");
  }

  showStatus(status) {
    const element = $("save-status");
    element.textContent = STATUS_TEXT[status] || STATUS_TEXT.saved;
    element.dataset.state = status;
  }

  showError(message) {
    const element = $("player-error");
    element.textContent = message;
    element.hidden = false;
  }
}

const config = JSON.parse($("player-config").textContent);
new Player(config).boot();
