/* Course cards that stay true without a reload (seed 003 §5–6).
 *
 * The server renders every card; this script re-reads each card's GET …/state (never from a
 * cache) whenever the page is shown — including back/forward navigations and bfcache restores
 * (pageshow) — and whenever the tab becomes visible again (visibilitychange), then redraws the
 * card in place. actionFor() mirrors dashboard.selectors.card(); formatting mirrors the
 * template filters pct and utc.
 */
(function () {
  "use strict";

  const inFlight = new WeakMap();
  const again = new WeakMap();

  function pct(value) {
    return value === null || value === undefined ? "—" : Math.round(value) + " %";
  }

  function two(n) {
    return String(n).padStart(2, "0");
  }

  function utc(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "—";
    return (
      d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) +
      " " + two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + " UTC"
    );
  }

  function statusClass(label) {
    return label.toLowerCase().replace(/ /g, "-");
  }

  function actionFor(state, card) {
    if (state.status === "Completed") {
      return { label: "Completed", href: card.dataset.courseUrl, startAgain: true };
    }
    if (state.status === "In Progress" && state.canResume) {
      return { label: "Resume", href: card.dataset.playUrl, startAgain: false };
    }
    return { label: "Start", href: card.dataset.playUrl, startAgain: false };
  }

  function setBadge(el, label) {
    if (!el) return;
    el.textContent = label;
    el.className = "status badge " + statusClass(label);
  }

  function drawCard(card, state) {
    card.dataset.status = state.status;
    setBadge(card.querySelector(".status"), state.displayStatus);
    const score = card.querySelector(".score");
    if (score) score.textContent = pct(state.scorePercent);
    const time = card.querySelector(".last-activity time");
    if (time) {
      time.textContent = utc(state.lastActivity);
      if (state.lastActivity) time.setAttribute("datetime", state.lastActivity);
      else time.removeAttribute("datetime");
    }
    const progress = Math.max(0, Math.min(100, Number(state.progressPercent) || 0));
    const bar = card.querySelector(".progress");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(progress));
      const fill = bar.querySelector("span");
      if (fill) fill.style.width = progress + "%";
    }
    const progressText = card.querySelector(".progress-text");
    if (progressText) progressText.textContent = progress + " %";

    const action = actionFor(state, card);
    const primary = card.querySelector(".primary-action");
    if (primary) {
      primary.textContent = action.label;
      primary.setAttribute("href", action.href);
    }
    const certificate = card.querySelector("a.certificate");
    if (certificate) {
      certificate.hidden = !state.certificateUrl;
      certificate.setAttribute("href", state.certificateUrl || "#");
    }
    const again = card.querySelector(".start-again");
    if (again) again.hidden = !action.startAgain;
  }

  function drawItems(courseId, items) {
    const table = document.querySelector('[data-items-for="' + CSS.escape(courseId) + '"]');
    if (!table || !Array.isArray(items)) return;
    for (const item of items) {
      const row = table.querySelector('tr[data-item-id="' + CSS.escape(item.itemId) + '"]');
      if (!row) continue;
      setBadge(row.querySelector(".status"), item.status);
      const score = row.querySelector(".score");
      if (score) score.textContent = pct(item.scorePercent);
      const progress = row.querySelector(".progress-text");
      if (progress) progress.textContent = item.progressPercent + " %";
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
          running.then(function () {
            again.delete(card);
            return refresh(card);
          })
        );
      }
      return again.get(card);
    }
    const request = fetch(card.dataset.stateUrl, {
      cache: "no-store",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) return;
        drawCard(card, state);
        drawItems(card.dataset.courseId, state.items);
      })
      .catch(function () {
        /* Offline or logged out: keep what the page shows; the next return tries again. */
      })
      .finally(function () {
        inFlight.delete(card);
      });
    inFlight.set(card, request);
    return request;
  }

  function refreshAll() {
    return Promise.all(
      Array.from(document.querySelectorAll("[data-course-id][data-state-url]"), refresh)
    );
  }

  // Every showing of the page re-reads: a bfcache restore (event.persisted) or a back/forward
  // load from the HTTP cache shows an old answer, and even a fresh load may precede a commit
  // the player sent as it left (a beacon or a retry still in flight).
  window.addEventListener("pageshow", refreshAll);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refreshAll();
  });
})();
