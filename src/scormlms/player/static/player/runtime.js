// One SCO session: a fresh scorm-again API for one launch, the preload, and our transport.
//
// scorm-again calls our httpService on every Commit and on Terminate (only because
// lmsCommitUrl is a string; RUNTIME-NOTES "Injecting our own transport"). We turn its
// {cmi: tree} into the SPEC §4 payload, journal it, and only then answer "true"; the Sender
// delivers it. A fresh API object per SCO, for both standards: scorm-again's reset() keeps
// the previous SCO's launch_data, scaled_passing_score and completion_threshold (2004) or
// lesson_location, suspend_data and lesson_status (1.2), and loadFromJSON cannot blank them.

// Event names differ per standard in scorm-again (RUNTIME-NOTES "Events").
const CALLS = {
  "1.2": {
    initialize: "LMSInitialize",
    setValue: "LMSSetValue",
    terminate: "LMSFinish",
    commit: "LMSCommit",
  },
  2004: {
    initialize: "Initialize",
    setValue: "SetValue",
    terminate: "Terminate",
    commit: "Commit",
  },
};

const OK = { result: "true", errorCode: 0 };
// SCORM 1.2 RTE 3.3.2: 101 general exception. SCORM 2004 4th ed. RTE 3.1.7.2: 391 general
// commit failure, 111 general termination failure.
const FAILED = { "1.2": { commit: 101, finish: 101 }, 2004: { commit: 391, finish: 111 } };

const MAX_LOGGED_KEYS = 10; // SPEC §9
const JUMP = /^\{target=[^}]+\}jump$/;
// What a SCO reports that sequencing rules read (SCORM 2004 RTE-to-SN data transfer): once it
// has set one, the engine's validity of requests is out of date until its Terminate.
const TRACKED = /^cmi\.(completion_status|success_status|score\.|progress_measure|objectives\.)/;
const DRAFT_DELAY_MS = 500;

// scorm-again renders some leaves as numbers or booleans; the server takes strings only.
export function stringTree(node) {
  if (Array.isArray(node)) return node.map(stringTree);
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, stringTree(v)]));
  }
  return node === null || node === undefined ? "" : String(node);
}

// The key fields (SPEC §4) are the server's list: the names of the start answer's launch.values.
export function keyValues(fields, cmi) {
  const values = {};
  for (const name of fields) {
    let node = { cmi };
    for (const part of name.split(".")) node = node && typeof node === "object" ? node[part] : undefined;
    values[name] = node === undefined || node === null || typeof node === "object" ? "" : String(node);
  }
  return values;
}

export class ScoSession {
  // launch: the start answer's "launch"; ids: {courseId, attemptId, learnerId}; engine (a
  // sequenced course, SPEC §11): {sequencer, state}, the engine this SCO's API runs, restored
  // from the state the previous API serialized.
  constructor({ launch, ids, resultUrl, journal, sender, onTerminate, engine = null }) {
    this.launch = launch;
    this.ids = ids;
    this.standard = launch.standard;
    this.calls = CALLS[this.standard];
    this.journal = journal;
    this.sender = sender;
    this.onTerminate = onTerminate;
    this.resultUrl = resultUrl;
    this.seq = Math.max(launch.seq || 0, ...this.journaledSeqs());
    this.finished = false;
    this.discarded = false;
    this.navRequest = "";
    this.log = { initialize: false, keys: [] };
    this.logged = { initialize: false, keys: new Set() };
    this.draftTimer = null;
    this.values = {};
    this.reported = false; // the SCO has set something sequencing reads (TRACKED)
    this.holding = false; // replacing the SCO's jump request (see listen)
    this.engine = engine;
    this.api = this.createApi();
  }

  journaledSeqs() {
    const key = this.journal.key(this.ids.attemptId, this.launch.itemId);
    return this.journal.read(key).map((e) => e.payload.seq);
  }

  createApi() {
    const settings = {
      lmsCommitUrl: this.resultUrl,
      httpService: {
        processHttpRequest: (url, params, immediate, apiLog, listeners, metadata) =>
          this.commit(params, Boolean(metadata?.isTerminateCommit ?? immediate)),
        updateSettings() {},
      },
      dataCommitFormat: "json",
      autocommit: false,
      logLevel: 5, // none: unset reads and rejected calls are the SCO's business (RUNTIME-NOTES)
    };
    const Api = this.standard === "1.2" ? window.Scorm12API : window.Scorm2004API;
    const sequencing = this.engine?.sequencer.settings();
    if (sequencing) settings.sequencing = sequencing.sequencing;
    const api = new Api(settings);
    if (sequencing) this.engine.sequencer.adopt(api, sequencing.owner, this.engine.state);
    this.listen(api);
    this.preload(api);
    return api;
  }

  preload(api) {
    try {
      api.loadFromJSON({ cmi: this.launch.cmi });
    } catch {
      // One value scorm-again refuses must not cost the learner the rest: load leaf by leaf.
      for (const [element, value] of flatten(this.launch.cmi, "cmi")) {
        try {
          api.loadFromFlattenedJSON({ [element]: value });
        } catch {
          // skip just this one
        }
      }
    }
  }

  // Listeners run inside the SCO's API call: never let one throw into it.
  guard(fn) {
    return (...args) => {
      try {
        fn(...args);
      } catch {
        // ignore
      }
    };
  }

  listen(api) {
    const c = this.calls;
    api.on(c.initialize, this.guard(() => (this.log.initialize = true)));
    api.on(
      c.setValue,
      this.guard((element) => {
        if (typeof element !== "string") return;
        if (TRACKED.test(element)) this.reported = true;
        if (this.log.keys.length < MAX_LOGGED_KEYS && !this.log.keys.includes(element)) {
          this.log.keys.push(element);
        }
        this.scheduleDraft();
      }),
    );
    if (this.standard === "2004") {
      // suspendAll fires no event of its own and the request is not in the commit: catch it
      // as it is set (RUNTIME-NOTES "Events"). The listener runs after the value is stored and
      // even when it was refused, so read back what the API kept.
      api.on(
        "SetValue.adl.nav.request",
        this.guard(() => {
          if (this.holding) return;
          this.navRequest = String(api.adl.nav.request ?? "");
          // A jump the engine processed at Terminate would skip the End Attempt of this
          // activity and drop what the SCO reported: scorm-again 3.4.3's validateJumpRequest
          // (navigation_validity_service.ts) returns no termination request, where SN NB.2.1
          // asks for an exit first (an engine defect beyond SEQUENCING.md's six). The SCO
          // terminates with no request instead, which ends its attempt, and the player then
          // issues the jump (Player.settleTerminated).
          if (this.engine && JUMP.test(this.navRequest)) {
            this.holding = true;
            try {
              api.SetValue("adl.nav.request", "_none_");
            } finally {
              this.holding = false;
            }
          }
        }),
      );
    }
    // No default lesson_status or completion here: the server applies SCORM 1.2 RTE 3.4.4 and
    // the 2004 completionSetByContent / objectiveSetByContent defaults when the session
    // finishes (SPEC §6), so the state and the reports read the same result.
    api.on(c.terminate, this.guard(() => this.onTerminate(this)));
  }

  get running() {
    return this.api.isInitialized() && !this.api.isTerminated();
  }

  // What the server has not confirmed of this session's log (SPEC §9).
  pendingLog() {
    return {
      initialize: this.log.initialize && !this.logged.initialize,
      setValueKeys: this.log.keys.filter((k) => !this.logged.keys.has(k)),
    };
  }

  acknowledged(payload) {
    if (payload.log?.initialize) this.logged.initialize = true;
    for (const key of payload.log?.setValueKeys || []) this.logged.keys.add(key);
  }

  payload(reason, tree) {
    const cmi = stringTree(tree && tree.cmi ? tree.cmi : tree || {});
    this.seq += 1;
    this.values = keyValues(Object.keys(this.launch.values), cmi);
    return {
      learnerId: this.ids.learnerId,
      courseId: this.ids.courseId,
      attemptId: this.ids.attemptId,
      itemId: this.launch.itemId,
      token: this.launch.token,
      standard: this.standard,
      reason,
      seq: this.seq,
      values: this.values,
      cmi,
      navRequest: this.navRequest,
      log: this.pendingLog(),
    };
  }

  // scorm-again's transport hook: journal first, then answer the SCO, then send.
  commit(params, terminate) {
    const reason = terminate ? "finish" : "commit";
    try {
      clearTimeout(this.draftTimer);
      // After the finish the session is over: SCORM 1.2 content may still call LMSCommit,
      // which the server would refuse (SPEC §5); nothing new can be in it anyway.
      if (this.discarded || this.finished) return OK;
      const payload = this.payload(reason, params);
      if (!this.journal.put(payload)) {
        return { result: "false", errorCode: FAILED[this.standard][reason] };
      }
      if (terminate) this.finished = true;
      this.sender.pump();
      return OK;
    } catch {
      return { result: "false", errorCode: FAILED[this.standard][reason] };
    }
  }

  // Many SCOs only commit on Terminate: keep an up-to-date draft in the journal meanwhile.
  scheduleDraft() {
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.writeDraft(), DRAFT_DELAY_MS);
  }

  writeDraft() {
    if (this.discarded || this.finished || !this.running) return;
    try {
      this.journal.put(this.payload("commit", this.api.renderCMIToJSONObject()), { draft: true });
    } catch {
      // the next draft or commit will carry the same state
    }
  }

  // Commit now (Save & resume later). True when the SCO's data is journaled.
  commitNow() {
    if (!this.running) return true;
    return this.api[this.calls.commit]("") === "true";
  }

  // The SCO page is gone but never terminated: end its session so that what it set is
  // delivered as a finish. The player never writes cmi.exit / cmi.core.exit for the SCO
  // (SPEC §6): only the SCO's own exit decides whether its next launch resumes.
  terminateIfRunning() {
    if (this.running) this.api[this.calls.terminate]("");
  }

  discard() {
    this.discarded = true;
    clearTimeout(this.draftTimer);
    this.journal.dropSession(this.ids.attemptId, this.launch.itemId, this.launch.token);
  }
}

function* flatten(node, path) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* flatten(node[i], `${path}.${i}`);
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) yield* flatten(v, `${path}.${k}`);
  } else {
    yield [path, node];
  }
}
