"""The real player in Chromium across two hosts: a session that moves between them, and a host
SIGKILLed in the middle of a burst of commits.

Two layers re-send a commit that no host answered. The player journals every commit in
localStorage and re-sends it until a host acknowledges it (src/scormlms/player/static/player/
sender.js). HAProxy sends a request whose connection to a host fails to the other host
(``option redispatch 1``), and stops choosing a host whose health check fails; here it also
re-sent the commit the victim was holding mid-transaction (granian's connection reset before any
answer), where a server that closes cleanly gets a 502 that the journal answers. Either way a
commit carries its ``seq``, so a second delivery is stored once or answered ``stale``, and a
host dying costs the learner nothing that was acknowledged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.helpers import sco_frame, wait_initialized
from tests.hosts.client import PASSWORD, Learner
from tests.hosts.cluster import Cluster

pytestmark = [pytest.mark.hosts, pytest.mark.browser]

RESULT = "/api/scorm/result"
BURST = 60  # commits, one every PAUSE_MS, each adding one interaction
PAUSE_MS = 25
KILL_AFTER_ACKS = 10

# Runs inside the SCO's frame and calls the API as a SCO does (SCORM 1.2 RTE 3.3.6.1: found up
# the parents): each step sets a new interaction, the bookmark and suspend_data, then commits.
# It returns at once; window.burst says how far it got.
_BURST = """({count, pause}) => {
    let api = null;
    for (let w = window; ; w = w.parent) {
        if (w.API) { api = w.API; break; }
        if (w === w.parent) break;
    }
    const burst = window.burst = {done: false, committed: [], error: ""};
    (async () => {
        try {
            for (let k = 0; k < count; k++) {
                const set = (element, value) => {
                    if (api.LMSSetValue(element, value) !== "true") {
                        throw new Error(`LMSSetValue(${element}): ${api.LMSGetLastError()}`);
                    }
                };
                set(`cmi.interactions.${k}.id`, `burst-${k}`);
                set(`cmi.interactions.${k}.type`, "numeric");
                set(`cmi.interactions.${k}.student_response`, String(k));
                set("cmi.core.lesson_location", `burst/${k}`);
                set("cmi.suspend_data", `burst ${k}`);
                burst.committed.push(api.LMSCommit(""));
                await new Promise((resolve) => setTimeout(resolve, pause));
            }
        } catch (error) {
            burst.error = String(error);
        }
        burst.done = true;
    })();
    return true;
}"""

_STORED = """
import json
from scormlms.tracking.models import Attempt
attempt = Attempt.objects.get(course__course_id={course_id!r}, learner__username={username!r})
sco = attempt.sco_attempts.get()
interactions = sco.cmi.get("interactions") or []
if isinstance(interactions, dict):
    interactions = [interactions[k] for k in sorted(interactions, key=int) if k.isdigit()]
print(json.dumps({{
    "seq": sco.commit_seq,
    "location": sco.location,
    "suspendData": sco.suspend_data,
    "interactions": [[i.get("id"), i.get("student_response")] for i in interactions],
    "eventSeqs": [e.data["seq"] for e in attempt.events.filter(kind="commit")],
}}))
"""

_JOURNAL = """() => Object.keys(localStorage)
    .filter((k) => k.startsWith("scormlms:journal:v1:"))
    .flatMap((k) => JSON.parse(localStorage.getItem(k)))
    .filter((e) => !e.draft)
    .map((e) => e.payload.seq)"""


def _state(cluster: Cluster) -> str:
    return f"/lms/enrolments/{cluster.course_id}/state"


def log_in(page: Any, base: str, username: str) -> None:
    """Through the login form."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def play(page: Any, base: str, course_id: str) -> None:
    page.goto(f"{base}/courses/{course_id}/play")
    wait_initialized(page)
    saved(page)


def saved(page: Any, timeout_ms: float = 30_000) -> None:
    page.wait_for_function(
        "() => document.querySelector('#save-status').textContent === 'Saved'", timeout=timeout_ms
    )


def _wait(page: Any, done: Callable[[], bool], timeout_s: float = 30) -> None:
    """Let the page run (and Playwright deliver its events) until ``done()``."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(5)


def test_a_browser_session_moves_between_hosts(
    cluster: Cluster, learner: Learner, page: Any
) -> None:
    one, other = cluster.hosts
    log_in(page, one.url, learner.username)
    # Behind HAProxy every host has the same name, so the browser sends them the same cookie;
    # by their own addresses it would not: hand it over.
    context = page.context
    context.add_cookies(
        [{"name": c["name"], "value": c["value"], "url": other.url} for c in context.cookies()]
    )
    play(page, other.url, cluster.course_id)
    page.frame_locator("#sco-frame").locator("#next").click()  # page 2 of 3: a commit
    saved(page)
    learner.cookies = {c["name"]: c["value"] for c in context.cookies(one.url)}
    state = learner.get(one.url, _state(cluster))
    assert state.status == 200, state
    stored = cluster.shell_json(
        _STORED.format(course_id=cluster.course_id, username=learner.username)
    )
    assert stored["location"] == "2/3", stored

    # Log out on the other host; the first host, whose cookie the browser still holds, has
    # forgotten the session too.
    page.goto(f"{other.url}/")
    page.click("text=Log out")
    page.wait_for_url(f"{other.url}/accounts/login/")
    assert context.cookies(one.url), "the first host's cookie should still be in the browser"
    page.goto(f"{one.url}/")
    assert page.url.startswith(f"{one.url}/accounts/login/"), page.url


def test_a_host_killed_mid_burst_loses_no_acknowledged_commit(
    cluster: Cluster, learner: Learner, page: Any
) -> None:
    victim = cluster.hosts[0]
    log_in(page, cluster.proxy, learner.username)
    play(page, cluster.proxy, cluster.course_id)

    attempt_id = page.request.get(f"{cluster.proxy}{_state(cluster)}").json()["attemptId"]
    answers: list[Any] = []  # every answer to a commit, in the order they came

    def answered(response: Any) -> None:
        if response.url.endswith(RESULT):
            answers.append(response)

    page.on("response", answered)
    frame = sco_frame(page)
    frame.evaluate(_BURST, {"count": BURST, "pause": PAUSE_MS})
    try:
        _wait(page, lambda: sum(r.status == 200 for r in answers) >= KILL_AFTER_ACKS)
        # The worst moment to die: with a commit read and not answered, its transaction open.
        # The attempt's lock holds the next commits inside the hosts until the victim has one.
        with cluster.attempt_locked(attempt_id) as waiting:
            _wait(page, lambda: victim.label in waiting())
            victim.kill()
            at_kill = len(frame.evaluate("() => window.burst.committed"))
            answered_at_kill = len(answers)
        frame.wait_for_function("() => window.burst.done", timeout=60_000)
        saved(page, timeout_ms=60_000)
    finally:
        if victim.proc is None:
            victim.start()
            victim.wait()
            cluster.wait_in_rotation()

    burst = frame.evaluate("() => window.burst")
    assert burst["error"] == "" and burst["committed"] == ["true"] * BURST, burst
    assert at_kill < BURST, "the kill came after the burst"
    assert page.evaluate(_JOURNAL) == [], "the journal still holds undelivered commits"

    acked = {}
    for response in answers:
        if response.status == 200:
            acked[response.request.post_data_json["seq"]] = response.json()
    after = [r.status for r in answers[answered_at_kill:]]
    assert 200 in after, f"nothing was acknowledged after the kill: {after}"

    stored = cluster.shell_json(
        _STORED.format(course_id=cluster.course_id, username=learner.username)
    )
    last = BURST - 1
    report = json.dumps({"stored": stored, "acked": sorted(acked)})
    # The last commit the SCO made is stored, and with it every value the burst set.
    assert stored["seq"] == max(acked), report
    assert stored["location"] == f"burst/{last}" and stored["suspendData"] == f"burst {last}"
    assert stored["interactions"] == [[f"burst-{k}", str(k)] for k in range(BURST)], report
    # Every commit a host acknowledged as stored (not stale) is in the attempt's event log,
    # once: the commit the victim died holding was sent again (by HAProxy, or by the journal
    # after a 502) and stored once.
    fresh = {seq for seq, answer in acked.items() if not answer["stale"]}
    assert fresh <= set(stored["eventSeqs"]), report
    assert len(stored["eventSeqs"]) == len(set(stored["eventSeqs"])), report
