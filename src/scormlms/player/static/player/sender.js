// Delivers journaled payloads to POST /api/scorm/result until the server acknowledges them.
//
// - 200 (stale: true included) → acknowledged: removed from the journal.
// - 409 (session finished, attempt closed) and other 4xx → refused for good: removed, and the
//   4xx other than 409 reported as an error. 401 (logged out) keeps the payload for later.
// - network error, 408, 429, 5xx → kept; retried with exponential backoff from 1 s, doubling,
//   capped at 30 s, with ±20 % jitter; at once when the browser reports it is online again.
// While the page is being dismissed only fetch(keepalive) and sendBeacon arrive (RUNTIME-NOTES
// "Leaving the page"); both share a 64 KB in-flight budget, so larger bodies go with a plain
// fetch while the page lives and stay in the journal when it is leaving.

const KEEPALIVE_BUDGET = 60000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const RETRY_STATUSES = new Set([401, 408, 425, 429]);

export const STATUS_TEXT = {
  saved: "Saved",
  saving: "Saving…",
  offline: "Offline — will retry",
};

export class Sender {
  constructor({ url, journal, onStatus = () => {}, onAck = () => {}, onError = () => {} }) {
    this.url = url;
    this.journal = journal;
    this.onStatus = onStatus;
    this.onAck = onAck;
    this.onError = onError;
    this.inFlight = new Map(); // "<token>:<seq>" → keepalive bytes it holds
    this.failures = 0;
    this.timer = null;
    this.unloading = false;
    this.waiters = [];
    this.status = "saved";
    window.addEventListener("online", () => this.retryNow());
  }

  id(payload) {
    return `${payload.token}:${payload.seq}`;
  }

  due() {
    return this.journal.entries().filter((e) => !e.draft);
  }

  // Send whatever is due and not already on its way. Calls fetch synchronously, so it also
  // works from a pagehide or unload handler.
  pump() {
    for (const entry of this.due()) {
      if (!this.inFlight.has(this.id(entry.payload))) this.send(entry.payload);
    }
    this.settle();
  }

  send(payload) {
    const id = this.id(payload);
    const body = JSON.stringify(payload);
    const size = new TextEncoder().encode(body).length;
    const used = [...this.inFlight.values()].reduce((a, b) => a + b, 0);
    const keepalive = used + size <= KEEPALIVE_BUDGET;
    if (this.unloading && !keepalive) {
      this.beacon(body);
      return;
    }
    this.inFlight.set(id, keepalive ? size : 0);
    let request;
    try {
      request = fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        keepalive,
        body,
      });
    } catch (error) {
      request = Promise.reject(error);
    }
    request
      .then((response) => this.answered(payload, response))
      .catch(() => this.failed())
      .finally(() => {
        this.inFlight.delete(id);
        this.settle();
      });
  }

  beacon(body) {
    try {
      navigator.sendBeacon(this.url, new Blob([body], { type: "application/json" }));
    } catch {
      // Nothing else can leave a closing page; the journal keeps it for the next launch.
    }
  }

  async answered(payload, response) {
    if (response.ok) {
      this.journal.ack(payload);
      this.failures = 0;
      let answer = {};
      try {
        answer = await response.json();
      } catch {
        // An acknowledgement without a body is still an acknowledgement.
      }
      this.onAck(payload, answer);
      return;
    }
    if (response.status >= 500 || RETRY_STATUSES.has(response.status)) {
      if (response.status === 401) this.onError("You have been logged out. Log in again: your progress is kept on this device.");
      this.failed();
      return;
    }
    this.journal.drop(payload);
    if (response.status !== 409) {
      let message = `The LMS refused to save (${response.status}).`;
      try {
        message = (await response.json()).message || message;
      } catch {
        // keep the generic message
      }
      this.onError(`Your progress could not be saved: ${message}`);
    }
  }

  failed() {
    this.failures += 1;
    if (this.timer || this.unloading) return;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.failures - 1));
    const delay = base * (0.8 + Math.random() * 0.4);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, delay);
  }

  retryNow() {
    clearTimeout(this.timer);
    this.timer = null;
    this.pump();
  }

  settle() {
    const pending = this.due().length;
    let status = "saved";
    if (pending && this.failures) status = "offline";
    else if (pending || this.inFlight.size) status = "saving";
    if (status !== this.status) {
      this.status = status;
      this.onStatus(status);
    }
    if (!pending) {
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((resolve) => resolve(true));
    }
  }

  // Resolves true once nothing is due (after sending drafts too when asked), false after
  // timeoutMs (or never times out when timeoutMs is 0).
  drain({ includeDrafts = false, timeoutMs = 0 } = {}) {
    if (includeDrafts) this.journal.promoteDrafts();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (timeoutMs) setTimeout(() => resolve(false), timeoutMs);
      this.retryNow();
    });
  }

  // The page is hidden (maybe for good): everything journaled goes now, drafts included.
  flush({ unloading }) {
    this.unloading = unloading;
    this.journal.promoteDrafts();
    if (unloading) {
      // Requests begun before this moment without keepalive may be cancelled with the page.
      for (const entry of this.due()) {
        if (this.inFlight.get(this.id(entry.payload)) === 0) this.beacon(JSON.stringify(entry.payload));
      }
    }
    this.pump();
  }

  resume() {
    this.unloading = false;
    this.retryNow();
  }
}
