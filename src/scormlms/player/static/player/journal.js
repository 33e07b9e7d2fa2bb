// The commit journal: every result payload (SPEC §4) is written here before the SCO is told
// its Commit or Terminate succeeded, and stays until the server acknowledges it. A payload
// lost to a dropped connection or a closed tab is sent again from here: later in this page,
// or before the next launch of the course.
//
// Layout in localStorage: one key per learner, course, attempt and item,
//   "scormlms:journal:v1:<learnerId>:<courseId>:<attemptId>:<itemId>" (parts URI-encoded)
// holding a JSON list of entries {payload, draft, savedAt}, oldest seq first.
//
// Each payload carries the whole runtime state, so a newer payload of the same SCO session
// (same launch token) makes the older "commit" ones redundant: they are replaced, and the
// journal holds at most one commit per session. A "finish" is never replaced: it is the one
// that adds the session time on the server. A draft is a payload written while values change,
// before the SCO commits; it is only sent when the page is hidden or on the next launch.

const PREFIX = "scormlms:journal:v1:";

function memoryStorage() {
  const map = new Map();
  return {
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
  };
}

function usableStorage() {
  try {
    const probe = PREFIX + "probe";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    // Storage switched off: keep the journal for this page's life at least.
    return memoryStorage();
  }
}

export class Journal {
  constructor(learnerId, courseId, storage = usableStorage()) {
    this.storage = storage;
    this.prefix = `${PREFIX}${encodeURIComponent(learnerId)}:${encodeURIComponent(courseId)}:`;
  }

  key(attemptId, itemId) {
    return `${this.prefix}${encodeURIComponent(attemptId)}:${encodeURIComponent(itemId)}`;
  }

  read(key) {
    try {
      const entries = JSON.parse(this.storage.getItem(key) || "[]");
      return Array.isArray(entries) ? entries.filter((e) => e && e.payload) : [];
    } catch {
      return [];
    }
  }

  write(key, entries) {
    if (entries.length) this.storage.setItem(key, JSON.stringify(entries));
    else this.storage.removeItem(key);
  }

  // Journal a payload. Returns false when it could not be stored (the SCO then hears "false").
  put(payload, { draft = false } = {}) {
    const key = this.key(payload.attemptId, payload.itemId);
    const entries = this.read(key);
    const session = entries.filter((e) => e.payload.token === payload.token);
    if (session.some((e) => e.payload.reason === "finish")) return true; // session over
    let mustSend = !draft;
    const kept = [];
    for (const entry of entries) {
      if (entry.payload.token === payload.token && entry.payload.seq < payload.seq) {
        mustSend ||= !entry.draft; // a superseded commit was due to be sent: so is this one
        continue;
      }
      kept.push(entry);
    }
    kept.push({ payload, draft: !mustSend, savedAt: Date.now() });
    kept.sort((a, b) => a.payload.seq - b.payload.seq);
    try {
      this.write(key, kept);
      return true;
    } catch {
      return false;
    }
  }

  // Every entry of this learner and course, oldest first within each SCO attempt.
  entries() {
    const keys = [];
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key && key.startsWith(this.prefix)) keys.push(key);
    }
    return keys.sort().flatMap((key) => this.read(key));
  }

  // Everything due to be sent from now on, drafts included (the page is going away).
  promoteDrafts() {
    for (const entry of this.entries()) {
      if (!entry.draft) continue;
      const key = this.key(entry.payload.attemptId, entry.payload.itemId);
      this.update(key, (entries) =>
        entries.map((e) => (e.payload.seq === entry.payload.seq ? { ...e, draft: false } : e)),
      );
    }
  }

  // The server stored (or already had) this payload: older ones of its session go too.
  ack(payload) {
    this.update(this.key(payload.attemptId, payload.itemId), (entries) =>
      entries.filter((e) => e.payload.token !== payload.token || e.payload.seq > payload.seq),
    );
  }

  // The server refused this payload for good (4xx): sending it again cannot help.
  drop(payload) {
    this.update(this.key(payload.attemptId, payload.itemId), (entries) =>
      entries.filter((e) => e.payload.token !== payload.token || e.payload.seq !== payload.seq),
    );
  }

  // "Don't save": forget what this session has not delivered yet.
  dropSession(attemptId, itemId, token) {
    this.update(this.key(attemptId, itemId), (entries) =>
      entries.filter((e) => e.payload.token !== token),
    );
  }

  update(key, change) {
    try {
      this.write(key, change(this.read(key)));
    } catch {
      // A failed rewrite leaves the old entries: at worst a payload is sent twice, which the
      // server answers with stale: true.
    }
  }
}
