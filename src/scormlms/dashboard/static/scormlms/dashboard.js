// Course cards that stay true without a reload (seed 003 §5–6).
//
// The server renders every card; this script re-reads each card's GET …/state (never from a
// cache) whenever the page is shown — including back/forward navigations and bfcache restores
// (pageshow) — and whenever the tab becomes visible again (visibilitychange), then redraws the
// card in place. A card shows the learner's record over all attempts (SPEC §6) and the current
// attempt's progress. actionFor() mirrors dashboard.selectors.card(); formatting mirrors the
// template filters pct and utc.

const inFlight = new WeakMap();
const again = new WeakMap();

export function pct(value) {
  return value === null || value === undefined ? "—" : Math.round(value) + " %";
}

function two(n) {
  return String(n).padStart(2, "0");
}

export function utc(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return (
    `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`
  );
}

function statusClass(label) {
  return label.toLowerCase().replace(/ /g, "-");
}

// "2 of 3", or "2" when the course allows any number of attempts.
export function attemptsText(record) {
  const allowed = record.attemptsAllowed;
  return allowed === null || allowed === undefined
    ? String(record.attemptsUsed)
    : `${record.attemptsUsed} of ${allowed}`;
}

// What the card offers (SPEC §6): a finished current attempt is reviewed, not restarted; an
// open one is resumed; otherwise the learner starts. A second attempt is only ever offered
// beside Review ("Start a new attempt") or Resume ("Start over"), when the course allows it;
// when it does not, the server's message says why. urls: {playUrl}.
export function actionFor(state, urls) {
  const next = state.newAttempt;
  let primary = { label: "Start", href: urls.playUrl };
  let secondary = null;
  if (state.status === "Completed") {
    primary = { label: "Review", href: urls.playUrl };
    if (next.allowed) secondary = { label: "Start a new attempt", href: next.url };
  } else if (state.status === "In Progress" && state.canResume) {
    primary = { label: "Resume", href: urls.playUrl };
    if (next.allowed) secondary = { label: "Start over", href: next.url };
  }
  return { primary, secondary, message: next.allowed ? null : next.message || null };
}

function setBadge(el, label) {
  if (!el) return;
  el.textContent = label;
  el.className = "status badge " + statusClass(label);
}

function setLink(el, { label, href }) {
  if (!el) return;
  el.hidden = !label;
  el.textContent = label || "";
  el.setAttribute("href", href || "#");
}

export function drawCard(card, state) {
  const record = state.record;
  const find = (selector) => card.querySelector(selector);
  card.dataset.status = state.status;
  setBadge(find(".status"), record.recordStatus);
  const retake = find(".retake-note");
  if (retake) retake.hidden = !state.retakeInProgress;
  const overridden = find(".overridden-note");
  if (overridden) overridden.hidden = !record.overridden;
  const score = find(".score");
  if (score) score.textContent = pct(record.recordScore);
  const attempts = find(".attempts-used");
  if (attempts) attempts.textContent = attemptsText(record);
  const time = find(".last-activity time");
  if (time) {
    time.textContent = utc(state.lastActivity);
    if (state.lastActivity) time.setAttribute("datetime", state.lastActivity);
    else time.removeAttribute("datetime");
  }
  const progress = Math.max(0, Math.min(100, Number(state.progressPercent) || 0));
  const bar = find(".progress");
  if (bar) {
    bar.setAttribute("aria-valuenow", String(progress));
    const fill = bar.querySelector("span");
    if (fill) fill.style.width = progress + "%";
  }
  const progressText = find(".progress-text");
  if (progressText) progressText.textContent = progress + " %";

  const action = actionFor(state, card.dataset);
  setLink(find(".primary-action"), action.primary);
  setLink(find(".secondary-action"), action.secondary || {});
  const message = find(".new-attempt-message");
  if (message) {
    message.hidden = !action.message;
    message.textContent = action.message || "";
  }
  const certificate = find("a.certificate");
  if (certificate) {
    certificate.hidden = !record.certificateUrl;
    certificate.setAttribute("href", record.certificateUrl || "#");
  }
}

function drawItems(courseId, items) {
  const table = document.querySelector(`[data-items-for="${CSS.escape(courseId)}"]`);
  if (!table || !Array.isArray(items)) return;
  for (const item of items) {
    const row = table.querySelector(`tr[data-item-id="${CSS.escape(item.itemId)}"]`);
    if (!row) continue;
    setBadge(row.querySelector(".status"), item.status);
    const score = row.querySelector(".score");
    if (score) score.textContent = pct(item.scorePercent);
    const progress = row.querySelector(".progress-text");
    if (progress) progress.textContent = item.progressPercent + " %";
    const lock = row.querySelector(".lock-reason");
    if (lock) {
      lock.hidden = item.available !== false;
      lock.textContent = item.available === false ? `Locked: ${item.lockedReason || ""}` : "";
    }
  }
}

function refresh(card) {
  const running = inFlight.get(card);
  if (running) {
    // The running request may have been answered before what this call is about (a start or
    // a commit that finished since): read once more when it is done, never more than once.
    if (!again.has(card)) {
      again.set(
        card,
        running.then(() => {
          again.delete(card);
          return refresh(card);
        }),
      );
    }
    return again.get(card);
  }
  const request = fetch(card.dataset.stateUrl, {
    cache: "no-store",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then((response) => (response.ok ? response.json() : null))
    .then((state) => {
      if (!state) return;
      drawCard(card, state);
      drawItems(card.dataset.courseId, state.items);
    })
    .catch(() => {
      // Offline or logged out: keep what the page shows; the next return tries again.
    })
    .finally(() => inFlight.delete(card));
  inFlight.set(card, request);
  return request;
}

function refreshAll() {
  return Promise.all(Array.from(document.querySelectorAll("[data-course-id][data-state-url]"), refresh));
}

// Every showing of the page re-reads: a bfcache restore (event.persisted) or a back/forward
// load from the HTTP cache shows an old answer, and even a fresh load may precede a commit
// the player sent as it left (a beacon or a retry still in flight).
window.addEventListener("pageshow", refreshAll);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshAll();
});
