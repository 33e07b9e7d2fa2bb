"""The course page: description, SCO checklist, attempts, raw SCORM values (seed 000 C/E)."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.dashboard.helpers import count_queries
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db

ITEMS = [
    {"item_id": "module", "title": "Module one", "launch_url": "", "scorm_type": ""},
    {"item_id": "intro", "title": "Introduction", "depth": 1},
    {"item_id": "quiz", "title": "Final quiz", "depth": 1},
    {"item_id": "secret", "title": "Hidden item", "is_visible": False},
]


def _row(html: str, item_id: str) -> str:
    match = re.search(rf'<tr data-item-id="{item_id}">.*?</tr>', html, re.S)
    assert match, item_id
    return match.group(0)


def test_access_by_role(learner_factory):
    make_course("c1", description="About golf.")
    enrolled = learner_factory("ana", enrol=[make_course("c2")])
    stranger = learner_factory("bob")
    staff = learner_factory("boss", staff=True)
    assert stranger.client.get("/courses/c1/").status_code == 403
    assert enrolled.client.get("/courses/c1/").status_code == 403
    assert enrolled.client.get("/courses/c2/").status_code == 200
    assert enrolled.client.get("/courses/nope/").status_code == 404
    response = staff.client.get("/courses/c1/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "About golf." in body
    assert "not enrolled in this course" in body
    assert 'href="/staff/courses/c1/report/"' in body


def test_checklist_shows_each_items_own_status_score_and_progress(learner_factory):
    course = make_course("multi", items=ITEMS, description="Two SCOs.")
    ana = learner_factory(enrol=[course])
    first = ana.start("multi", itemId="intro")
    ana.result(first, {"cmi.completion_status": "completed"})
    quiz = ana.start("multi", itemId="quiz", attemptId=first["attemptId"])
    ana.result(
        quiz,
        {"cmi.success_status": "failed", "cmi.score.scaled": "0.4", "cmi.progress_measure": "0.5"},
    )
    body = ana.client.get("/courses/multi/").content.decode()
    assert "<p>Two SCOs.</p>" in body
    intro, final = _row(body, "intro"), _row(body, "quiz")
    assert ">Completed<" in intro and "100 %" in intro
    assert ">Failed<" in final and "40 %" in final and "50 %" in final
    assert '<tr class="folder"><th scope="row" colspan="4" class="depth-0">Module one</th>' in body
    assert "Hidden item" not in body.split('id="attempts-h"')[0]
    # The card on top refreshes from the same state endpoint as the dashboard's.
    assert 'data-state-url="/lms/enrolments/multi/state"' in body
    assert "Your progress" in body


def test_attempts_list_and_raw_values_of_every_sco_attempt(learner_factory):
    course = make_course("c1", standard="1.2", relaunch_policy="new")
    ana = learner_factory(enrol=[course])
    ana.result(ana.start("c1"), {"cmi.core.lesson_location": "page-2"})
    second = ana.start("c1")  # policy "new": the first attempt is abandoned
    ana.result(
        second,
        {
            "cmi.core.lesson_status": "passed",
            "cmi.core.score.raw": "90",
            "cmi.suspend_data": "<x&y>",
        },
        cmi={"cmi": {"core": {"lesson_status": "passed"}, "suspend_data": "<x&y>"}},
        reason="finish",
    )
    body = ana.client.get("/courses/c1/").content.decode()
    attempts = re.findall(r'<tr data-attempt-id="([^"]+)">(.*?)</tr>', body, re.S)
    assert [a[0] for a in attempts][0] == second["attemptId"]
    assert "Abandoned" in attempts[1][1]
    assert ">Passed<" in attempts[0][1] and "90 %" in attempts[0][1]
    assert "/certificates/" in attempts[0][1]
    raw = body.split('<details class="raw-values" id="raw-values">')[1]
    assert raw.startswith("\n  <summary>Raw SCORM values</summary>")  # collapsed: no "open"
    assert '<code>cmi.core.lesson_location</code></th><td><code class="value">page-2</code>' in raw
    assert "&lt;x&amp;y&gt;" in raw and "<x&y>" not in raw  # escaped, never markup
    tree = re.search(r"<pre><code>(.*?)</code></pre>", raw, re.S)
    assert tree and '"lesson_status": "passed"' in html_lib.unescape(tree.group(1))


def test_the_course_page_reads_a_fixed_number_of_queries(learner_factory):
    course = make_course("multi", items=ITEMS)
    ana = learner_factory(enrol=[course])
    first = ana.start("multi", itemId="intro")
    ana.result(first, {"cmi.location": "1"})
    small = count_queries(lambda: ana.client.get("/courses/multi/"))
    ana.result(ana.start("multi", itemId="quiz", attemptId=first["attemptId"]), {})
    course.relaunch_policy = "new"
    course.save()
    for _ in range(3):
        ana.result(ana.start("multi", itemId="intro"), {"cmi.location": "2"})
    assert count_queries(lambda: ana.client.get("/courses/multi/")) == small


def test_checklist_shows_an_item_locked_by_its_prerequisites_and_why(learner_factory):
    items = [
        {"item_id": "l1", "title": "Lesson 1"},
        {"item_id": "q", "title": "Quiz", "prerequisites": "l1"},
    ]
    ana = learner_factory(enrol=[make_course("p12", standard="1.2", items=items)])
    body = ana.client.get("/courses/p12/").content.decode()
    assert '<span class="lock-reason" hidden>' in _row(body, "l1")
    locked = html_lib.unescape(_row(body, "q"))
    assert (
        '<span class="lock-reason">Locked: Opens once “Lesson 1” is completed or passed.' in locked
    )
    started = ana.start("p12")
    ana.result(started, {"cmi.core.lesson_status": "completed"}, reason="finish")
    body = ana.client.get("/courses/p12/").content.decode()
    assert '<span class="lock-reason" hidden>' in _row(body, "q")
