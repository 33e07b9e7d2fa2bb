"""Shared steps of the player's browser tests: set up a course, watch dialogs, read state."""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, login
from tests.conftest import CORPUS, REPO

_names = itertools.count(1)
PASSWORD = "player-pass-1"


def golf(name: str) -> Path:
    """A Rustici "Golf Explained" package from the shared corpus, or skip the test."""
    path = CORPUS / f"{name}.zip"
    if not path.is_file():
        pytest.skip(f"golf corpus package {path} is absent (see shared/corpus/README.md)")
    return path


_built: dict[str, Path] = {}


def example(name: str, tmp_path: Path) -> Path:
    """One of our own sample packages, built from examples/ (once per test session)."""
    if name not in _built:
        build = REPO / "examples" / "build.py"
        if not build.is_file():
            pytest.skip("examples/build.py is absent")
        spec = importlib.util.spec_from_file_location("examples_build", build)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _built.update({key: Path(path) for key, path in module.build_all(tmp_path).items()})
    return _built[name]


_courses: dict[tuple[str, Path], str] = {}


def learner_in_course(server: LiveServer, package: Path, stem: str) -> tuple[str, str]:
    """A fresh learner enrolled in ``package``'s course; returns (user, course id).

    Each package is imported once per server: learners never share attempts, so a new
    learner in an existing course starts as clean as a new course would.
    """
    n = next(_names)
    key = (server.url, package)
    if key not in _courses:
        course_id = f"{stem}-{n}".lower().replace("_", "-")
        server.manage("import", str(package), "--course-id", course_id)
        _courses[key] = course_id
    user = f"learner{n}-{stem}".lower().replace("_", "-")[:30]
    server.manage("adduser", user, "--password", PASSWORD)
    server.manage("enrol", user, _courses[key])
    return user, _courses[key]


def other_course(server: LiveServer, package: Path) -> str:
    """A course of ``package`` that no learner of ``learner_in_course`` is enrolled in."""
    course_id = f"unenrolled-{next(_names)}"
    server.manage("import", str(package), "--course-id", course_id)
    return course_id


def log_in(page: Any, server: LiveServer, user: str) -> None:
    login(page, server, user, PASSWORD)
    page.wait_for_url(f"{server.url}/")


class Dialogs:
    """Accepts every dialog (golf's confirm() prompts) and remembers the alerts.

    golf content alerts only on SCORM API errors, so any alert fails the test.
    """

    def __init__(self, page: Any) -> None:
        self.alerts: list[str] = []
        self.confirms: list[str] = []
        page.on("dialog", self._handle)

    def _handle(self, dialog: Any) -> None:
        (self.alerts if dialog.type == "alert" else self.confirms).append(dialog.message)
        dialog.accept()

    def assert_no_alerts(self) -> None:
        assert not self.alerts, f"the content showed API-error alerts: {self.alerts}"


def play(page: Any, server: LiveServer, course_id: str, item: str = "") -> None:
    """Open the player and wait until the SCO has initialized."""
    query = f"?item={item}" if item else ""
    page.goto(f"{server.url}/courses/{course_id}/play{query}")
    wait_initialized(page)


def home_url(server: LiveServer) -> re.Pattern[str]:
    """The dashboard as the player leaves for it: plain, or ``?saved=<course>`` after a save."""
    return re.compile(re.escape(server.url) + r"/(\?saved=[\w-]+)?$")


def wait_initialized(page: Any) -> None:
    page.wait_for_function(
        "() => { const a = window.API_1484_11 || window.API;"
        " return !!a && a.isInitialized() && !a.isTerminated(); }"
    )


def api_get(page: Any, element: str) -> str:
    return str(
        page.evaluate(
            "(el) => window.API_1484_11 ? window.API_1484_11.GetValue(el)"
            " : window.API.LMSGetValue(el)",
            element,
        )
    )


def state(page: Any, server: LiveServer, course_id: str) -> dict[str, Any]:
    """The learner's state from GET /lms/enrolments/<course>/state (the page's cookies)."""
    response = page.request.get(f"{server.url}/lms/enrolments/{course_id}/state")
    assert response.status == 200, response.text()
    return dict(response.json())


def wait_for_state(
    page: Any,
    server: LiveServer,
    course_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout_s: float = 10,
) -> dict[str, Any]:
    """Poll the state API until ``done(state)``; fail with the last state seen."""
    last: dict[str, Any] = {}
    for _ in range(int(timeout_s / 0.2)):
        last = state(page, server, course_id)
        if done(last):
            return last
        page.wait_for_timeout(200)
    raise AssertionError(f"state never matched; last: {json.dumps(last, indent=1)}")


def saved(page: Any) -> None:
    """Wait until the status line says everything is delivered."""
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saved'")


@dataclass(frozen=True)
class Recorded:
    """What the server stored for a learner's latest attempt at a course."""

    scos: list[dict[str, Any]]  # [{item, seq, commits, location, …, cmi}] per SCO attempt
    events: list[dict[str, Any]]  # the attempt's event log: [{kind, item, data}], oldest first

    def sco(self, item: str = "") -> dict[str, Any]:
        matches = [s for s in self.scos if not item or s["item"] == item]
        assert len(matches) == 1, f"expected one SCO attempt for {item or 'the course'}"
        return matches[0]

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind]


_RECORDED = """
import json
from scormlms.tracking.models import Attempt
a = Attempt.objects.filter(course__course_id=%r, learner__username=%r)
a = a.order_by("-launched_at").first()
scos = [] if a is None else [
    dict(item=s.item_id, seq=s.commit_seq, commits=s.commit_count, location=s.location,
         suspend=s.suspend_data, total_time=s.total_time, exit=s.exit, completed=s.completed,
         passed=s.passed, cmi=s.cmi)
    for s in a.sco_attempts.order_by("id")]
events = [] if a is None else [
    dict(kind=e.kind, item=e.item_id, data=e.data) for e in a.events.order_by("created_at", "id")]
print(json.dumps(dict(scos=scos, events=events)))
"""


def recorded(server: LiveServer, course_id: str, user: str) -> Recorded:
    """Read the stored SCO attempts and events on the server (one ``scormlms shell``)."""
    out = server.manage("shell", "--no-imports", "-c", _RECORDED % (course_id, user))
    return Recorded(**json.loads(out))


def golf_frame(page: Any) -> Any:
    """The golf launch page inside our player's frame."""
    return page.frame_locator("#sco-frame")


def golf_content(page: Any) -> Any:
    """The golf page shown inside the launch page."""
    return golf_frame(page).frame_locator("#contentFrame")


def golf_next(page: Any, times: int) -> None:
    frame = golf_frame(page)
    for _ in range(times):
        frame.locator("#butNext").click()


def wait_golf_page(page: Any, suffix: str) -> None:
    """Wait until the golf launch page shows the page whose address ends with ``suffix``."""
    page.wait_for_function(
        """(suffix) => {
            const launch = document.querySelector("#sco-frame").contentDocument;
            const inner = launch && launch.querySelector("#contentFrame");
            return !!inner && inner.contentWindow.location.href.endsWith(suffix);
        }""",
        arg=suffix,
    )


def golf_answer_quiz(page: Any, *, correct: bool) -> None:
    content = golf_content(page)
    content.locator("input[value='Submit Answers']").wait_for()
    selector = "div.correctAnswer input" if correct else "div.answer input"
    for box in content.locator(selector).all():
        if box.get_attribute("type") == "text":
            # numeric questions print their answer beside the box: "(72)"
            answer = re.search(r"\((\d+)\)", box.locator("xpath=..").inner_text())
            assert answer, "numeric question without its answer"
            box.fill(answer.group(1))
        else:
            box.check()
    content.locator("input[value='Submit Answers']").click()


def save_status(page: Any) -> str:
    return str(page.locator("#save-status").inner_text())


# ------------------------------------------- records, review mode, retakes, staff tools (issue 14)


def own_course(server: LiveServer, package: Path, stem: str) -> str:
    """A course of ``package`` that only the calling test uses (its settings may change)."""
    course_id = f"{stem}-{next(_names)}".lower().replace("_", "-")
    server.manage("import", str(package), "--course-id", course_id)
    return course_id


def learner_enrolled(server: LiveServer, course_id: str, stem: str) -> str:
    """A fresh learner enrolled in ``course_id``."""
    user = f"learner{next(_names)}-{stem}".lower().replace("_", "-")[:30]
    server.manage("adduser", user, "--password", PASSWORD)
    server.manage("enrol", user, course_id)
    return user


class StaffSession:
    """``with StaffSession(browser, server) as staff:`` a page of a fresh staff user (``.user``),
    logged in, in its own browser context (closed when the block ends)."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser, self.server = browser, server
        self.user = f"staff{next(_names)}"
        self.context: Any = None

    def __enter__(self) -> Any:
        self.server.manage("adduser", self.user, "--password", PASSWORD, "--staff")
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        staff_page = self.context.new_page()
        log_in(staff_page, self.server, self.user)
        return staff_page

    def __exit__(self, *exc: object) -> None:
        self.context.close()


def course_card(page: Any, course_id: str) -> Any:
    """The learner's card of ``course_id`` on the page shown (dashboard or course page)."""
    return page.locator(f'article.course-card[data-course-id="{course_id}"]')


_FRAME_GET = """(el) => {
    // Find the API as a SCO does (SCORM 1.2 RTE 3.3.6.1, 2004 RTE 3.3): up the parents.
    for (let w = window; ; w = w.parent) {
        const api = w.API_1484_11 || w.API;
        if (api && typeof (api.GetValue || api.LMSGetValue) === "function") {
            const value = api.GetValue ? api.GetValue(el) : api.LMSGetValue(el);
            const error = api.GetLastError ? api.GetLastError() : api.LMSGetLastError();
            return [String(value), String(error)];
        }
        if (w === w.parent) return null;
    }
}"""


def sco_frame(page: Any) -> Any:
    """The SCO's frame (a Playwright ``Frame``) once it has loaded its launch page."""
    page.wait_for_function(
        "() => { const f = document.querySelector('#sco-frame');"
        " return !!f && !!f.contentWindow && f.contentWindow.location.href !== 'about:blank'"
        " && f.contentDocument.readyState === 'complete'; }"
    )
    frame = page.locator("#sco-frame").element_handle().content_frame()
    assert frame is not None
    return frame


def sco_api_get(page: Any, element: str) -> str:
    """``GetValue`` / ``LMSGetValue`` called from inside the SCO's frame, as the SCO would;
    fails when the API answers with an error code."""
    answer = sco_frame(page).evaluate(_FRAME_GET, element)
    assert answer is not None, "the SCO's frame finds no SCORM API"
    value, error = answer
    assert error == "0", f"GetValue({element}) answered error {error}"
    return str(value)
