"""Per-course report: rates, average score, SVG charts with their text alternatives."""

from __future__ import annotations

import re

import pytest

from scormlms.dashboard.charts import Bar, bar_chart
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def _table(body: str, caption: str) -> dict[str, int]:
    section = body.split(f"<summary>{caption} as a table</summary>")[1].split("</table>")[0]
    return {
        label: int(value)
        for label, value in re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', section)
    }


def test_learners_get_403(learner_factory):
    make_course("c1")
    assert learner_factory().client.get("/staff/courses/c1/report/").status_code == 403


def test_rates_average_and_distributions(learner_factory):
    course = make_course("c1", standard="1.2")
    outcomes = [
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "95"},
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "100"},
        {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "42"},
        {"cmi.core.lesson_status": "completed"},
        {"cmi.core.lesson_location": "4/8"},
    ]
    for i, values in enumerate(outcomes):
        learner = learner_factory(f"l{i}", enrol=[course])
        learner.result(learner.start("c1"), values)
    learner_factory("idle", enrol=[course])
    staff = learner_factory("boss", staff=True)
    body = staff.client.get("/staff/courses/c1/report/").content.decode()
    # 4 of 6 completed (passed, passed, failed, completed), 2 of 6 passed.
    assert '<dd id="completion-rate">67 %</dd>' in body
    assert '<dd id="pass-rate">33 %</dd>' in body
    assert '<dd id="average-score">79 %</dd>' in body  # (95 + 100 + 42) / 3
    scores = _table(body, "Score distribution")
    assert scores["40–49 %"] == 1 and scores["90–100 %"] == 2
    assert sum(scores.values()) == 3 and len(scores) == 10
    assert _table(body, "Learners by status") == {
        "Not started": 1,
        "In progress": 1,
        "Completed": 1,
        "Passed": 2,
        "Failed": 1,
    }
    svg = re.search(r'<svg class="chart" id="status-chart".*?</svg>', body, re.S)
    assert svg and 'role="img"' in svg.group(0)
    assert '<desc id="status-chart-desc">Not started: 1; In progress: 1; Completed: 1; ' in body
    assert svg.group(0).count("<rect") == 5


def test_an_empty_course_reports_dashes(learner_factory):
    make_course("c1")
    body = learner_factory("boss", staff=True).client.get("/staff/courses/c1/report/")
    text = body.content.decode()
    assert '<dd id="completion-rate">—</dd>' in text
    assert '<dd id="average-score">—</dd>' in text


def test_chart_text_is_escaped():
    svg = bar_chart(bars=[Bar("<b>", 3), Bar("x", 0)], title='A "title" & <more>', chart_id="c")
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg and "&amp; &lt;more&gt;" in svg
    assert 'aria-labelledby="c-title c-desc"' in svg


def test_the_status_chart_has_a_bar_for_every_display_status():
    from scormlms.dashboard.selectors import STATUS_ORDER
    from scormlms.scorm.outcome import DISPLAY_OTHERWISE, DISPLAY_RULES

    assert set(STATUS_ORDER) == {DISPLAY_OTHERWISE, *(label for _, label in DISPLAY_RULES)}


def test_abandoned_attempts_count_as_not_started_without_their_score(learner_factory):
    course = make_course("c1", standard="1.2", relaunch_policy="new")
    ana = learner_factory(enrol=[course])
    ana.result(ana.start("c1"), {"cmi.core.score.raw": "30"})
    second = ana.start("c1")  # policy "new": a second open attempt; the first is abandoned
    # Don't save on the fresh one deletes it: the card falls back to the abandoned attempt.
    discard = {"attemptId": second["attemptId"], "token": second["launch"]["token"]}
    assert ana.post("/lms/attempt/discard", discard).json()["kept"] is False
    assert ana.user.enrolments.get().current_attempt.status == "Abandoned"
    staff = learner_factory("boss", staff=True)
    body = staff.client.get("/staff/courses/c1/report/").content.decode()
    assert _table(body, "Learners by status")["Not started"] == 1
    assert '<dd id="average-score">—</dd>' in body


def test_the_report_reads_a_fixed_number_of_queries(learner_factory):
    from tests.dashboard.helpers import count_queries

    course = make_course("c1", standard="1.2")
    staff = learner_factory("boss", staff=True)

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            learner = learner_factory(f"l{i}", enrol=[course])
            learner.result(
                learner.start("c1"),
                {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": str(i % 100)},
            )

    add(2, 0)
    small = count_queries(lambda: staff.client.get("/staff/courses/c1/report/"))
    add(12, 2)
    assert count_queries(lambda: staff.client.get("/staff/courses/c1/report/")) == small
