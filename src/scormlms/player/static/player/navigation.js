// Where to go after a SCO ends, or when the learner asks. No SCORM 2004 sequencing engine
// runs here: this is flow and choice over the items in document order. A sequencing engine
// can replace nextItem() and keep its contract:
//
//   nextItem(items, currentId, request) →
//     {itemId}          launch that item
//     {leave: "suspend" | "exit"}   leave the course (back to the dashboard)
//     null              stay: the learner picks from the menu
//
// items: [{itemId, launchable, visible, available?}] in document order; request: a parsed
// request. An item whose `available` is false (SCORM 1.2 prerequisites not met, as the
// server's checklist says) is never a target: flow skips it, choice refuses it.

// SCORM 2004 4th ed. RTE 4.4.1 (adl.nav.request): continue, previous, choice, jump, exit,
// exitAll, abandon, abandonAll, suspendAll, _none_; choice and jump name their target as
// "{target=<id>}choice".
const TARGETED = /^\{target=([^}]*)\}(choice|jump)$/;
const PLAIN = new Set([
  "continue",
  "previous",
  "exit",
  "exitAll",
  "abandon",
  "abandonAll",
  "suspendAll",
  "_none_",
]);

export function parseRequest(raw) {
  const text = String(raw || "").trim();
  const targeted = TARGETED.exec(text);
  if (targeted) return { kind: targeted[2], target: targeted[1] };
  return { kind: PLAIN.has(text) ? text : "_none_" };
}

// SCORM 1.2 has no navigation requests: after LMSFinish we move on when the SCO says it is
// done with a passing or neutral outcome (completed/passed); after "failed" or an unfinished
// SCO the learner stays to choose (retry, or go on from the menu).
export function requestAfterFinish12(lessonStatus) {
  return parseRequest(lessonStatus === "completed" || lessonStatus === "passed" ? "continue" : "");
}

const open = (item) => item.available !== false;

export function nextItem(items, currentId, request) {
  const launchable = items.filter((i) => i.launchable);
  const position = launchable.findIndex((i) => i.itemId === currentId);
  const visibleAfter = launchable.slice(position + 1).filter((i) => i.visible);
  const visibleBefore = launchable.slice(0, Math.max(position, 0)).filter((i) => i.visible);
  switch (request.kind) {
    case "continue": {
      const next = visibleAfter.find(open);
      if (next) return { itemId: next.itemId };
      // Continuing past the last item ends the course session (SCORM 2004 SN: the sequencing
      // session ends): back to the dashboard. Only locked items ahead: stay, the menu says why.
      return visibleAfter.length ? null : { leave: "exit" };
    }
    case "previous": {
      const previous = visibleBefore.filter(open).pop();
      return previous ? { itemId: previous.itemId } : null;
    }
    case "choice":
    case "jump": {
      // Hidden items can be reached this way (they are launchable, only not listed).
      const target = launchable.find((i) => i.itemId === request.target);
      return target && open(target) ? { itemId: target.itemId } : null;
    }
    case "exitAll":
    case "abandonAll":
      return { leave: "exit" };
    case "suspendAll":
      return { leave: "suspend" };
    default:
      // exit, abandon, _none_: the SCO ended; the learner chooses what comes next.
      return null;
  }
}

// The Previous / Next buttons: the neighbours a learner can step to, and the locked item
// that keeps Next from going further (null when none does).
export function neighbours(items, currentId) {
  const next = nextItem(items, currentId, { kind: "continue" })?.itemId ?? null;
  const launchable = items.filter((i) => i.launchable);
  const position = launchable.findIndex((i) => i.itemId === currentId);
  const after = launchable.slice(position + 1).filter((i) => i.visible);
  const nextIndex = next ? after.findIndex((i) => i.itemId === next) : after.length;
  return {
    previous: nextItem(items, currentId, { kind: "previous" })?.itemId ?? null,
    next,
    locked: after.slice(0, nextIndex).find((i) => !open(i)) ?? null,
  };
}
