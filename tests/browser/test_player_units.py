"""The player's pure parts, run in Chromium: navigation rules, journal rules, and the preload
contract with scorm-again (what ``preload_tree`` builds, ``loadFromJSON`` must accept)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scormlms.scorm.preload import preload_tree
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    golf,
    learner_in_course,
    log_in,
    other_course,
    play,
    wait_for_state,
)

pytestmark = pytest.mark.browser

ITEMS = [
    {"itemId": "folder", "launchable": False, "visible": True},
    {"itemId": "a", "launchable": True, "visible": True},
    {"itemId": "hidden", "launchable": True, "visible": False},
    {"itemId": "b", "launchable": True, "visible": True},
    {"itemId": "c", "launchable": True, "visible": True},
]


def open_origin(page: Any, server: LiveServer) -> None:
    """A page of the server's origin, so module scripts can be imported from /static/."""
    page.goto(f"{server.url}/accounts/login/")


NAVIGATION = [
    ("a", "continue", {"itemId": "b"}),  # the hidden item is skipped
    ("c", "continue", {"leave": "exit"}),  # past the end: the course session ends
    ("b", "previous", {"itemId": "a"}),
    ("a", "previous", None),
    ("hidden", "continue", {"itemId": "b"}),
    ("a", "{target=hidden}choice", {"itemId": "hidden"}),
    ("a", "{target=c}jump", {"itemId": "c"}),
    ("a", "{target=nope}choice", None),
    ("a", "{target=folder}choice", None),  # not launchable
    ("b", "exit", None),
    ("b", "_none_", None),
    ("b", "", None),
    ("b", "exitAll", {"leave": "exit"}),
    ("b", "abandonAll", {"leave": "exit"}),
    ("b", "suspendAll", {"leave": "suspend"}),
    ("b", "nonsense", None),
]


def test_next_item(live_server_proc: LiveServer, page: Any) -> None:
    open_origin(page, live_server_proc)
    results = page.evaluate(
        """async ([items, cases]) => {
            const nav = await import("/static/player/navigation.js");
            return cases.map(([id, raw]) => nav.nextItem(items, id, nav.parseRequest(raw)));
        }""",
        [ITEMS, [[current, raw] for current, raw, _ in NAVIGATION]],
    )
    assert list(zip(NAVIGATION, results, strict=True)) == [(c, c[2]) for c in NAVIGATION]


def test_scorm_12_moves_on_only_after_completed_or_passed(
    live_server_proc: LiveServer, page: Any
) -> None:
    open_origin(page, live_server_proc)
    kinds = page.evaluate(
        """async () => {
            const nav = await import("/static/player/navigation.js");
            return ["completed", "passed", "failed", "incomplete", "browsed", ""]
                .map((s) => nav.requestAfterFinish12(s).kind);
        }"""
    )
    assert kinds == ["continue", "continue", "_none_", "_none_", "_none_", "_none_"]


JOURNAL_SCRIPT = """async () => {
    const { Journal } = await import("/static/player/journal.js");
    const map = new Map();
    const storage = {
        get length() { return map.size; },
        key: (i) => [...map.keys()][i] ?? null,
        getItem: (k) => (map.has(k) ? map.get(k) : null),
        setItem: (k, v) => map.set(k, String(v)),
        removeItem: (k) => map.delete(k),
    };
    const j = new Journal("lena", "course-1", storage);
    const p = (token, seq, reason = "commit", item = "i1") =>
        ({ attemptId: "att", itemId: item, token, seq, reason });
    const seqs = () => j.entries().map((e) => [e.payload.token, e.payload.seq, e.draft]);
    const steps = {};
    j.put(p("s1", 1)); j.put(p("s1", 2));
    steps.newer_commit_replaces_older = seqs();
    j.put(p("s1", 3), { draft: true });
    steps.draft_over_unsent_commit_must_be_sent = seqs();
    j.put(p("s1", 4), { draft: true });
    j.put(p("s1", 5), { draft: true });
    steps.drafts_replace_drafts = seqs();
    j.put(p("s1", 6, "finish"));
    j.put(p("s1", 7));
    steps.nothing_after_finish = seqs();
    j.put(p("s2", 1, "commit", "i2"), { draft: true });
    steps.other_item_kept_apart = seqs();
    j.promoteDrafts();
    steps.promoted = seqs();
    j.ack(p("s1", 6));
    steps.acked = seqs();
    j.put(p("s2", 2, "commit", "i2"));
    j.drop(p("s2", 2, "commit", "i2"));
    steps.dropped = seqs();
    j.put(p("s3", 1)); j.dropSession("att", "i1", "s3");
    steps.session_dropped = seqs();
    const other = new Journal("omar", "course-1", storage);
    other.put(p("x", 1));
    steps.other_learner_not_listed = seqs();
    return steps;
}"""


def test_journal_keeps_one_payload_per_session_and_never_replaces_a_finish(
    live_server_proc: LiveServer, page: Any
) -> None:
    open_origin(page, live_server_proc)
    steps = page.evaluate(JOURNAL_SCRIPT)
    assert steps == {
        "newer_commit_replaces_older": [["s1", 2, False]],
        "draft_over_unsent_commit_must_be_sent": [["s1", 3, False]],
        "drafts_replace_drafts": [["s1", 5, False]],
        "nothing_after_finish": [["s1", 6, False]],
        "other_item_kept_apart": [["s1", 6, False], ["s2", 1, True]],
        "promoted": [["s1", 6, False], ["s2", 1, False]],
        "acked": [["s2", 1, False]],
        "dropped": [],
        "session_dropped": [],
        "other_learner_not_listed": [],
    }


LOAD_SCRIPT = """([standard, tree, elements]) => {
    const Api = standard === "1.2" ? window.Scorm12API : window.Scorm2004API;
    const api = new Api({ logLevel: 5 });
    api.loadFromJSON({ cmi: tree });  // throws on anything it refuses
    const get = standard === "1.2" ? "LMSGetValue" : "GetValue";
    const init = standard === "1.2" ? "LMSInitialize" : "Initialize";
    if (api[init]("") !== "true") throw new Error("Initialize failed");
    return Object.fromEntries(elements.map((e) => [e, api[get](e)]));
}"""

# Trees as the server stores them: PostgreSQL jsonb orders keys shortest first.
STORED_2004: dict[str, Any] = {
    "exit": "suspend",
    "entry": "ab-initio",
    "score": {"max": "10", "min": "0", "raw": "5", "scaled": "0.5"},
    "location": "p3",
    "objectives": {
        "0": {
            "id": "obj_playing",
            "score": {"max": "", "min": "", "raw": "", "scaled": "0.9"},
            "description": "d",
            "success_status": "passed",
            "progress_measure": "1",
            "completion_status": "completed",
        }
    },
    "interactions": {
        "0": {
            "id": "q1",
            "type": "choice",
            "result": "correct",
            "latency": "PT5S",
            "timestamp": "2024-01-01T10:00:00",
            "weighting": "1",
            "objectives": {"0": {"id": "obj_playing"}},
            "description": "Q one",
            "learner_response": "a[,]b",
            "correct_responses": {"0": {"pattern": "a[,]b"}},
        },
        "1": {"id": "q2", "type": "numeric", "result": "0.5", "learner_response": "3.5"},
    },
    "session_time": "PT2M",
    "suspend_data": "sd",
    "success_status": "unknown",
    "progress_measure": "0",
    "completion_status": "incomplete",
    "learner_preference": {"language": "en", "audio_level": "2", "delivery_speed": "1"},
    "comments_from_learner": {"0": {"comment": "nice", "location": "p2"}},
}
STORED_12: dict[str, Any] = {
    "core": {
        "exit": "suspend",
        "score": {"max": "100", "min": "", "raw": "0"},
        "lesson_status": "incomplete",
        "lesson_location": "7",
        "session_time": "00:01:00",
    },
    "comments": "hello",
    "objectives": {"0": {"id": "o1", "score": {"raw": "80"}, "status": "passed"}},
    "interactions": {
        "0": {"id": "q1", "type": "choice", "result": "correct", "student_response": "a"}
    },
    "suspend_data": "x" * 5000,
}


@pytest.mark.parametrize(
    ("standard", "stored", "expected"),
    [
        (
            "2004",
            STORED_2004,
            {
                "cmi.entry": "resume",
                "cmi.location": "p3",
                "cmi.progress_measure": "0",
                "cmi.score.scaled": "0.5",
                "cmi.interactions._count": "2",
                "cmi.interactions.0.learner_response": "a[,]b",
                "cmi.interactions.0.correct_responses.0.pattern": "a[,]b",
                "cmi.objectives._count": "3",
                "cmi.objectives.0.score.scaled": "0.9",
                "cmi.objectives.2.id": "obj_etiquette",
                "cmi.comments_from_learner.0.comment": "nice",
                "cmi.scaled_passing_score": "0.8",
                "cmi.total_time": "PT1H2M",
                "cmi.learner_id": "lena",
            },
        ),
        (
            "1.2",
            STORED_12,
            {
                "cmi.core.entry": "resume",
                "cmi.core.credit": "credit",
                "cmi.core.lesson_location": "7",
                "cmi.core.score.raw": "0",
                "cmi.core.lesson_status": "incomplete",
                "cmi.core.total_time": "01:02:00",
                "cmi.objectives.0.status": "passed",
                "cmi.interactions._count": "1",
                "cmi.student_data.mastery_score": "80",
                "cmi.core.student_name": "Berg, Lena",
            },
        ),
    ],
)
def test_what_preload_tree_builds_scorm_again_loads(
    live_server_proc: LiveServer,
    page: Any,
    standard: str,
    stored: dict[str, Any],
    expected: dict[str, str],
) -> None:
    tree = preload_tree(
        standard=standard,
        stored_cmi=stored,
        entry="resume",
        learner_id="lena",
        learner_name="Berg, Lena",
        total_time="PT1H2M" if standard == "2004" else "0001:02:00",
        mastery_score=80.0,
        scaled_passing_score=0.8,
        objective_ids=("obj_playing", "PRIMARYOBJ", "obj_etiquette"),
    )
    open_origin(page, live_server_proc)
    script = "scorm12.min.js" if standard == "1.2" else "scorm2004.min.js"
    page.add_script_tag(url=f"{live_server_proc.url}/static/scorm-again/{script}")
    values = page.evaluate(LOAD_SCRIPT, [standard, tree, list(expected)])
    assert values == expected


def test_the_play_page_is_for_enrolled_learners_of_existing_courses(
    live_server_proc: LiveServer, page: Any
) -> None:
    server = live_server_proc
    package = golf("RuntimeBasicCalls_SCORM12")
    user, course = learner_in_course(server, package, "access")
    log_in(page, server, user)
    assert page.request.get(f"{server.url}/courses/{course}/play").status == 200
    unenrolled = other_course(server, package)
    assert page.request.get(f"{server.url}/courses/{unenrolled}/play").status == 403
    assert page.request.get(f"{server.url}/courses/no-such-course/play").status == 404
    page.goto(f"{server.url}/courses/{course}/play?item=item_1")
    config = json.loads(page.locator("#player-config").text_content())
    assert (config["courseId"], config["standard"], config["itemId"]) == (course, "1.2", "item_1")
    assert [i["itemId"] for i in config["items"]] == ["item_1"]
    assert page.locator("#toc").count() == 0  # one SCO: no menu


BEACON_SCRIPT = """async (courseId) => {
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    const start = await (await fetch("/lms/attempt/start", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ courseId }),
    })).json();
    const launch = start.launch;
    const values = {
        "cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "", "cmi.core.score.min": "",
        "cmi.core.score.max": "", "cmi.core.lesson_location": "beacon", "cmi.suspend_data": "",
        "cmi.core.exit": "suspend", "cmi.core.session_time": "00:00:05",
    };
    const payload = {
        learnerId: launch.learnerId, courseId, attemptId: start.attemptId, itemId: launch.itemId,
        token: launch.token, standard: "1.2", reason: "finish", seq: launch.seq + 1, values,
        log: { initialize: true, setValueKeys: [] },
    };
    const blob = new Blob([JSON.stringify(payload)], { type: "application/json" });
    return navigator.sendBeacon("/api/scorm/result", blob);
}"""


def test_a_beacon_with_a_json_blob_is_accepted(live_server_proc: LiveServer, page: Any) -> None:
    server = live_server_proc
    user, course = learner_in_course(server, golf("RuntimeBasicCalls_SCORM12"), "beacon")
    log_in(page, server, user)  # lands on the dashboard, whose logout form has a CSRF token
    assert page.evaluate(BEACON_SCRIPT, course) is True
    stored = wait_for_state(page, server, course, lambda s: s["lastCommitAt"] is not None)
    assert stored["status"] == "In Progress"


# ------------------------------------------------------------------- one SCO session (runtime.js)

SESSION_SCRIPT = """async ([standard, calls]) => {
    const { Journal } = await import("/static/player/journal.js");
    const { ScoSession } = await import("/static/player/runtime.js");
    const map = new Map();
    const storage = {
        get length() { return map.size; },
        key: (i) => [...map.keys()][i] ?? null,
        getItem: (k) => (map.has(k) ? map.get(k) : null),
        setItem: (k, v) => map.set(k, String(v)),
        removeItem: (k) => map.delete(k),
    };
    const journal = new Journal("lena", "c1", storage);
    const values = standard === "1.2"
        ? { "cmi.core.lesson_status": "", "cmi.core.exit": "", "cmi.core.lesson_location": "" }
        : { "cmi.completion_status": "", "cmi.exit": "", "cmi.location": "" };
    const session = new ScoSession({
        launch: { standard, itemId: "i1", token: "t1", seq: 0, values, cmi: {} },
        ids: { courseId: "c1", attemptId: "att", learnerId: "lena" },
        resultUrl: "/api/scorm/result",
        journal,
        sender: { pump() {} },
        onTerminate() {},
    });
    const api = session.api;
    const payloads = [];
    for (const [name, ...args] of calls) {
        if (name === "terminateIfRunning") session.terminateIfRunning();
        else api[name](...args);
        const last = journal.entries().at(-1);
        if (last && !payloads.some((p) => p.seq === last.payload.seq)) payloads.push(last.payload);
    }
    return payloads.map((p) => ({ reason: p.reason, values: p.values, navRequest: p.navRequest }));
}"""


def run_session(page: Any, server: LiveServer, standard: str, calls: list[list[str]]) -> Any:
    open_origin(page, server)
    script = "scorm12.min.js" if standard == "1.2" else "scorm2004.min.js"
    page.add_script_tag(url=f"{server.url}/static/scorm-again/{script}")
    return page.evaluate(SESSION_SCRIPT, [standard, calls])


@pytest.mark.parametrize(
    ("standard", "calls", "exit_element", "expected_exit"),
    [
        (
            "1.2",
            [["LMSInitialize", ""], ["LMSSetValue", "cmi.core.lesson_location", "3"]],
            "cmi.core.exit",
            "",
        ),
        ("2004", [["Initialize", ""], ["SetValue", "cmi.location", "3"]], "cmi.exit", ""),
        # What the SCO set itself is kept as it is.
        (
            "1.2",
            [["LMSInitialize", ""], ["LMSSetValue", "cmi.core.exit", "logout"]],
            "cmi.core.exit",
            "logout",
        ),
        ("2004", [["Initialize", ""], ["SetValue", "cmi.exit", "suspend"]], "cmi.exit", "suspend"),
    ],
)
def test_ending_a_running_sco_writes_no_exit_for_it(
    live_server_proc: LiveServer,
    page: Any,
    standard: str,
    calls: list[list[str]],
    exit_element: str,
    expected_exit: str,
) -> None:
    """SPEC §6: Save & resume later or a switch of SCO ends the session with what the SCO set;
    the player never writes exit (nor a default lesson_status: the server applies RTE 3.4.4)."""
    payloads = run_session(page, live_server_proc, standard, [*calls, ["terminateIfRunning"]])
    finish = payloads[-1]
    assert finish["reason"] == "finish"
    assert finish["values"][exit_element] == expected_exit
    if standard == "1.2":
        assert finish["values"]["cmi.core.lesson_status"] == "not attempted"


def test_the_last_navigation_request_goes_with_every_payload(
    live_server_proc: LiveServer, page: Any
) -> None:
    payloads = run_session(
        page,
        live_server_proc,
        "2004",
        [
            ["Initialize", ""],
            ["Commit", ""],
            ["SetValue", "adl.nav.request", "suspendAll"],
            ["Commit", ""],
            ["SetValue", "adl.nav.request", "nonsense"],  # refused: the API keeps suspendAll
            ["SetValue", "cmi.location", "p2"],
            ["Commit", ""],
            ["SetValue", "adl.nav.request", "{target=i2}choice"],
            ["Terminate", ""],
        ],
    )
    assert [(p["reason"], p["navRequest"]) for p in payloads] == [
        ("commit", ""),
        ("commit", "suspendAll"),
        ("commit", "suspendAll"),
        ("finish", "{target=i2}choice"),
    ]
    twelve = run_session(page, live_server_proc, "1.2", [["LMSInitialize", ""], ["LMSFinish", ""]])
    assert [(p["reason"], p["navRequest"]) for p in twelve] == [("finish", "")]


# ----------------------------------------------------------------- the course card (dashboard.js)

PLAY = "/courses/c1/play"
NEW = "/courses/c1/new-attempt"
CERT = "/certificates/ABCD-EFGH/"
USED_UP = "You have used all 3 attempts of this course."


def card_state(**changes: Any) -> dict[str, Any]:
    """A state answer (SPEC §7) of course c1; ``record`` and ``newAttempt`` merge their keys."""
    state: dict[str, Any] = {
        "status": "Not Started",
        "hasOpenAttempt": False,
        "attemptId": None,
        "lastActivity": None,
        "score": None,
        "pass": None,
        "canResume": False,
        "displayStatus": "Not started",
        "progressPercent": 0,
        "scorePercent": None,
        "certificateUrl": None,
        "items": [],
        "record": {
            "recordStatus": "Not started",
            "recordScore": None,
            "recordPassed": False,
            "recordCompleted": False,
            "attemptsUsed": 0,
            "attemptsAllowed": None,
            "certificateUrl": None,
            "attemptId": None,
            "overridden": False,
        },
        "retakeInProgress": False,
        "canReview": False,
        "newAttempt": {"allowed": False, "url": NEW, "message": None},
    }
    for key, value in changes.items():
        if key in ("record", "newAttempt"):
            state[key] = {**state[key], **value}
        else:
            state[key] = value
    return state


OPEN = {
    "status": "In Progress",
    "hasOpenAttempt": True,
    "attemptId": "a2",
    "canResume": True,
    "displayStatus": "In progress",
    "progressPercent": 40,
    "lastActivity": "2025-09-07T12:34:56Z",
}
DONE = {
    "status": "Completed",
    "attemptId": "a1",
    "canReview": True,
    "progressPercent": 100,
    "lastActivity": "2025-09-08T08:00:00Z",
}
PASSED = {"recordStatus": "Passed", "recordScore": 89.5, "recordPassed": True,
          "recordCompleted": True, "attemptsUsed": 1, "attemptsAllowed": 3,
          "certificateUrl": CERT, "attemptId": "a1"}  # fmt: skip

# (name, state, primary, secondary or None, message or None)
CARDS: list[tuple[str, dict[str, Any], str, str | None, str | None]] = [
    ("not started", card_state(), "Start", None, None),
    (
        "in progress, no start over",
        card_state(**OPEN, record={"recordStatus": "In progress", "attemptsUsed": 1}),
        "Resume",
        None,
        None,
    ),
    (
        "in progress, start over allowed",
        card_state(
            **OPEN,
            record={"recordStatus": "In progress", "attemptsUsed": 1},
            newAttempt={"allowed": True},
        ),
        "Resume",
        "Start over",
        None,
    ),
    (
        "passed, new attempt allowed",
        card_state(**DONE, record=PASSED, newAttempt={"allowed": True}),
        "Review",
        "Start a new attempt",
        None,
    ),
    (
        "failed, attempts used up",
        card_state(
            **DONE,
            record={
                "recordStatus": "Failed",
                "recordScore": 40,
                "recordCompleted": True,
                "attemptsUsed": 3,
                "attemptsAllowed": 3,
                "attemptId": "a1",
            },  # fmt: skip
            newAttempt={"message": USED_UP},
        ),
        "Review",
        None,
        USED_UP,
    ),
    (
        "retake of a pass in progress",
        card_state(**OPEN, record={**PASSED, "attemptsUsed": 2}, retakeInProgress=True),
        "Resume",
        None,
        None,
    ),
    (
        "completed, set by staff",
        card_state(
            **DONE,
            record={
                "recordStatus": "Passed",
                "recordScore": 75,
                "overridden": True,
                "attemptsUsed": 1,
                "attemptId": "a1",
            },  # fmt: skip
            newAttempt={"message": "This course does not offer a new attempt."},
        ),
        "Review",
        None,
        "This course does not offer a new attempt.",
    ),
]


def test_card_actions(live_server_proc: LiveServer, page: Any) -> None:
    """actionFor(): Review after a finished attempt (never a "Completed" button), Resume while
    one is open, Start otherwise; the second attempt only when allowed, else the message."""
    open_origin(page, live_server_proc)
    actions = page.evaluate(
        """async (states) => {
            const { actionFor } = await import("/static/scormlms/dashboard.js");
            return states.map((s) => {
                const a = actionFor(s, { playUrl: "/courses/c1/play" });
                return [a.primary.label, a.primary.href, a.secondary?.label ?? null,
                        a.secondary?.href ?? null, a.message];
            });
        }""",
        [state for _, state, *_ in CARDS],
    )
    expected = [
        [primary, PLAY, secondary, NEW if secondary else None, message]
        for _, _, primary, secondary, message in CARDS
    ]
    assert dict(zip([c[0] for c in CARDS], actions, strict=True)) == dict(
        zip([c[0] for c in CARDS], expected, strict=True)
    )


DRAW_SCRIPT = """async ([blank, cases]) => {
    const { drawCard } = await import("/static/scormlms/dashboard.js");
    const hooks = (card) => ({
        text: card.innerText,
        status: card.dataset.status,
        badge: card.querySelector(".status").className,
        // a hidden link's address and text matter to nobody
        links: [...card.querySelectorAll("a")].map((a) =>
            a.hidden ? [a.className] : [a.className, a.getAttribute("href"), a.textContent]),
        message: [...card.querySelectorAll(".new-attempt-message:not([hidden])")]
            .map((m) => m.textContent),
        notes: [...card.querySelectorAll(".retake-note, .overridden-note")].map((n) => n.hidden),
        progress: card.querySelector(".progress").getAttribute("aria-valuenow"),
        width: card.querySelector(".progress > span").style.width,
        time: card.querySelector("time").getAttribute("datetime"),
    });
    const box = document.createElement("div");
    document.body.append(box);
    return cases.map(([html, state]) => {
        box.innerHTML = `<div id="server">${html}</div><div id="drawn">${blank}</div>`;
        const drawn = box.querySelector("#drawn article");
        drawCard(drawn, state);
        return [hooks(box.querySelector("#server article")), hooks(drawn)];
    });
}"""


def render_card(state: dict[str, Any]) -> str:
    from django.template.loader import render_to_string

    from scormlms.courses.models import Course
    from scormlms.dashboard.selectors import card

    course = Course(course_id="c1", title="Golf Explained")
    return render_to_string("dashboard/_card.html", {"card": card(course, dict(state))})


def test_the_card_drawn_from_state_is_the_card_the_server_renders(
    live_server_proc: LiveServer, page: Any
) -> None:
    """drawCard() over the blank card gives what the template renders from the same state with
    the server's card(): the same text, links, badge and hidden parts (seed 003 §5)."""
    open_origin(page, live_server_proc)
    blank = render_card(card_state())
    cases = [[render_card(state), state] for _, state, *_ in CARDS]
    results = page.evaluate(DRAW_SCRIPT, [blank, cases])
    for (name, *_), (server, drawn) in zip(CARDS, results, strict=True):
        assert drawn == server, name


# ------------------------------------------------------------------ review mode and leaving


def test_review_banner_follows_each_start_and_save_lands_on_saved(
    live_server_proc: LiveServer, page: Any
) -> None:
    """The banner shows what the start answer says (here forced to review), the Exit dialog
    then says the result is kept, and leaving a review says nothing about saving; a normal
    Save & resume later lands on the dashboard's "Saved" notice."""
    from playwright.sync_api import expect

    server = live_server_proc
    user, course = learner_in_course(server, golf("RuntimeBasicCalls_SCORM12"), "review")
    log_in(page, server, user)

    def as_review(route: Any) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "review": True})

    page.route("**/lms/attempt/start", as_review)
    play(page, server, course)
    banner = page.locator("#review-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_text("Review — your result is kept")
    expect(banner).to_have_attribute("role", "status")
    page.click("#exit")
    expect(page.locator("#exit-review")).to_be_visible()
    expect(page.locator("#exit-choices")).to_be_hidden()
    expect(page.locator("#exit-dialog")).to_have_attribute("aria-describedby", "exit-review")
    page.click("#exit-cancel")
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/")
    page.unroute("**/lms/attempt/start")

    play(page, server, course)
    expect(banner).to_be_hidden()
    page.click("#exit")
    expect(page.locator("#exit-choices")).to_be_visible()
    expect(page.locator("#exit-review")).to_be_hidden()
    page.click("#exit-cancel")
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/?saved={course}")
    notice = page.locator("#saved-notice")
    expect(notice).to_contain_text("Saved — resume any time")
    expect(notice).to_have_attribute("role", "status")
