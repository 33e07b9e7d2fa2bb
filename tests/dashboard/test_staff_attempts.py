"""The staff attempts table: same rows as GET /lms/admin/enrolments, filters, sort, pages, CSV."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from scormlms.dashboard.selectors import PAGE_SIZE
from tests.dashboard.helpers import count_queries
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def _rows(body: str) -> list[dict[str, str]]:
    rows = []
    for attrs, cells in re.findall(r"<tr (data-learner=[^>]*)>(.*?)</tr>", body, re.S):
        learner = re.search(r'data-learner="([^"]*)"', attrs)
        course = re.search(r'data-course-id="([^"]*)"', attrs)
        status = re.search(r'<td class="status"><span class="badge [^"]*">([^<]*)<', cells)
        score = re.search(r'<td class="score">([^<]*)<', cells)
        progress = re.search(r'<td class="progress-cell">(\d+) %<', cells)
        assert learner and course and status and score and progress
        rows.append(
            {
                "learner": learner.group(1),
                "courseId": course.group(1),
                "displayStatus": status.group(1),
                "score": score.group(1),
                "progress": progress.group(1),
            }
        )
    return rows


@pytest.fixture
def school(learner_factory):
    golf = make_course("golf", standard="1.2")
    chess = make_course("chess")
    staff = learner_factory("boss", staff=True)
    ana = learner_factory("ana", enrol=[golf, chess])
    ana.result(ana.start("golf"), {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "88"})
    ana.result(ana.start("chess"), {"cmi.location": "p3", "cmi.progress_measure": "0.25"})
    bob = learner_factory("bob", enrol=[golf])
    bob.result(bob.start("golf"), {"cmi.core.lesson_status": "incomplete"})
    learner_factory("cleo", enrol=[golf])
    return staff


def test_learners_get_403(learner_factory):
    assert learner_factory().client.get("/staff/attempts/").status_code == 403


def test_every_enrolment_is_a_row_with_the_api_fields(school):
    body = school.client.get("/staff/attempts/").content.decode()
    rows = {(r["learner"], r["courseId"]): r for r in _rows(body)}
    assert set(rows) == {("ana", "golf"), ("ana", "chess"), ("bob", "golf"), ("cleo", "golf")}
    assert rows["ana", "golf"] == {
        "learner": "ana",
        "courseId": "golf",
        "displayStatus": "Passed",
        "score": "88 %",
        "progress": "100",
    }
    assert rows["ana", "chess"]["progress"] == "25"
    assert rows["cleo", "golf"]["displayStatus"] == "Not started"
    assert '<td class="pass">Yes</td>' in body
    assert "4 learner × course rows." in body
    for header in ("Learner", "Course", "Status", "Score", "Pass", "Progress", "Launched"):
        assert re.search(rf'<th scope="col"[^>]*>(<a [^>]*>)?{header}\b', body), header
    # Default order: last activity, newest first (the API's default).
    assert _rows(body)[0]["learner"] == "bob"
    assert 'aria-sort="descending"' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("course=golf", {("ana", "golf"), ("bob", "golf"), ("cleo", "golf")}),
        ("status=Completed", {("ana", "golf")}),
        ("status=Not+Started", {("cleo", "golf")}),
        ("status=In+Progress&course=golf", {("bob", "golf")}),
        ("q=che", {("ana", "chess")}),
        ("q=BO", {("bob", "golf")}),
        ("status=bogus", {("ana", "golf"), ("ana", "chess"), ("bob", "golf"), ("cleo", "golf")}),
    ],
)
def test_filters_and_search(school, query, expected):
    body = school.client.get(f"/staff/attempts/?{query}").content.decode()
    assert {(r["learner"], r["courseId"]) for r in _rows(body)} == expected


def test_sortable_headers_toggle_and_keep_the_filters(school):
    body = school.client.get("/staff/attempts/?course=golf&ordering=learner").content.decode()
    assert [r["learner"] for r in _rows(body)] == ["ana", "bob", "cleo"]
    header = re.search(r'<th scope="col" aria-sort="ascending"><a href="([^"]+)">Learner', body)
    assert header
    params = parse_qs(urlsplit(html_lib.unescape(header.group(1))).query)
    assert params == {"course": ["golf"], "ordering": ["-learner"]}
    body = school.client.get("/staff/attempts/?course=golf&ordering=-learner").content.decode()
    assert [r["learner"] for r in _rows(body)] == ["cleo", "bob", "ana"]
    body = school.client.get("/staff/attempts/?ordering=-score").content.decode()
    assert _rows(body)[0]["score"] == "88 %"


def test_csv_link_carries_the_filters_and_its_rows_match_the_table(school):
    body = school.client.get("/staff/attempts/?course=golf&q=o&ordering=learner").content.decode()
    link = re.search(r'<a class="button csv" id="csv-export" href="([^"]+)"', body)
    assert link
    url = html_lib.unescape(link.group(1))
    assert urlsplit(url).path == "/lms/admin/enrolments"
    assert parse_qs(urlsplit(url).query) == {
        "course": ["golf"],
        "q": ["o"],
        "ordering": ["learner"],
        "format": ["csv"],
    }
    response = school.client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    data = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    table = _rows(body)
    assert [
        (r["learner"], r["courseId"], r["displayStatus"], r["progressPercent"]) for r in data
    ] == [(r["learner"], r["courseId"], r["displayStatus"], r["progress"]) for r in table]


def test_pagination_keeps_filters(learner_factory):
    course = make_course("big")
    staff = learner_factory("boss", staff=True)
    for i in range(PAGE_SIZE + 3):
        learner_factory(f"u{i:03}", enrol=[course])
    first = staff.client.get("/staff/attempts/?course=big&ordering=learner").content.decode()
    assert len(_rows(first)) == PAGE_SIZE
    assert "page 1 of 2" in first
    link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert link
    second = staff.client.get("/staff/attempts/" + html_lib.unescape(link.group(1))).content
    rows = _rows(second.decode())
    assert [r["learner"] for r in rows] == ["u050", "u051", "u052"]
    assert 'rel="prev"' in second.decode()
    # A page past the end shows the last page rather than an error.
    assert staff.client.get("/staff/attempts/?page=99").status_code == 200


def _fill(learner_factory, n: int, prefix: str) -> None:
    courses = [make_course(f"{prefix}a", standard="1.2"), make_course(f"{prefix}b")]
    for i in range(n):
        learner = learner_factory(f"{prefix}{i}", enrol=courses)
        learner.result(
            learner.start(courses[0].course_id),
            {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": str(50 + i)},
        )


def test_the_table_reads_a_fixed_number_of_queries(learner_factory):
    staff = learner_factory("boss", staff=True)
    _fill(learner_factory, 2, "s")
    small = count_queries(lambda: staff.client.get("/staff/attempts/"))
    filtered = count_queries(lambda: staff.client.get("/staff/attempts/?course=sa&q=s&page=1"))
    _fill(learner_factory, 30, "t")
    assert count_queries(lambda: staff.client.get("/staff/attempts/")) == small
    assert count_queries(lambda: staff.client.get("/staff/attempts/?course=sa&q=s")) == filtered
