"""The staff flow in Chromium: upload a golf package, enrol a learner, watch their attempt in
the attempts table, filter it, read its raw values and event log, export the CSV, see the report.

The learner's attempt goes through the HTTP API the player uses (in the learner's own browser
context), so this needs no player.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, login
from tests.browser.test_dashboard import (
    GOLF_TITLE,
    PASSWORD,
    api_result,
    api_start,
    golf12,
    log_in,
    shoot,
)

pytestmark = pytest.mark.browser

_n = itertools.count(1)

CMI = {
    "cmi": {
        "core": {"lesson_status": "incomplete", "lesson_location": "9"},
        "interactions": {
            "childArray": [
                {
                    "id": "Par",
                    "type": "choice",
                    "student_response": "b",
                    "correct_responses": {"childArray": [{"pattern": "a"}]},
                    "result": "wrong",
                    "latency": "00:00:04",
                }
            ]
        },
    }
}


def _table_rows(page: Any) -> list[dict[str, str]]:
    return list(
        page.locator("#attempts-table tbody tr[data-learner]").evaluate_all(
            """rows => rows.map(r => ({
                learner: r.dataset.learner,
                courseId: r.dataset.courseId,
                displayStatus: r.querySelector('.status .badge').textContent.trim(),
                score: r.querySelector('.score').textContent.trim(),
                progress: r.querySelector('.progress-cell').textContent.trim(),
            }))"""
        )
    )


def test_staff_uploads_enrols_and_follows_an_attempt(
    live_server_proc: LiveServer, page: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    package = golf12()
    n = next(_n)
    staff, learner = f"reports-staff{n}", f"reports-learner{n}"
    server.manage("adduser", staff, "--password", PASSWORD, "--staff")
    server.manage("adduser", learner, "--password", PASSWORD)

    # Upload through the course list page.
    login(page, server, staff, PASSWORD)
    page.wait_for_url(f"{server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Courses", exact=True
    ).click()
    page.set_input_files("#id_file", package)
    with page.expect_response(lambda r: r.url.endswith("/api/courses")) as answer:
        page.click("#upload-form button[type=submit]")
    assert answer.value.status == 201, answer.value.text()
    course_id = answer.value.json()["courseId"]

    # Enrol the learner through the enrol page.
    page.goto(f"{server.url}/staff/courses/{course_id}/enrol/")
    page.fill("#id_usernames", learner)
    page.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.locator("#enrolled")).to_contain_text(learner)

    # The learner, in their own browser, launches and commits twice.
    learner_context = browser.new_context()
    try:
        learner_page = learner_context.new_page()
        log_in(learner_page, server, learner)
        started = api_start(learner_page, server, course_id)
        api_result(
            learner_page,
            server,
            started,
            {"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "3"},
            log={"initialize": True, "setValueKeys": ["cmi.core.lesson_status"]},
        )
        api_result(
            learner_page,
            server,
            started,
            {"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "9"},
            cmi=CMI,
            log={"initialize": True, "setValueKeys": ["cmi.core.lesson_location"]},
        )
    finally:
        learner_context.close()

    # Staff finds the attempt in the table and filters down to it.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Attempts", exact=True
    ).click()
    page.wait_for_url(f"{server.url}/staff/attempts/")
    row = page.locator(
        f'#attempts-table tr[data-learner="{learner}"][data-course-id="{course_id}"]'
    )
    expect(row).to_be_visible()
    page.select_option("#f-course", course_id)
    page.select_option("#f-status", "In Progress")
    page.fill("#f-q", learner)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/staff/attempts/?*")
    assert f"course={course_id}" in page.url and "status=In+Progress" in page.url
    rows = _table_rows(page)
    assert rows == [
        {
            "learner": learner,
            "courseId": course_id,
            "displayStatus": "In progress",
            "score": "—",
            "progress": "50 %",
        }
    ]
    expect(page.locator("#result-count")).to_contain_text("1 learner × course row")
    shoot(page, "staff-attempts")

    # The CSV export has the same rows as the table.
    with page.expect_download() as download:
        page.locator("#csv-export").click()
    data = Path(download.value.path()).read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(data)))
    assert [
        (r["learner"], r["courseId"], r["displayStatus"], f"{r['progressPercent']} %")
        for r in exported
    ] == [(r["learner"], r["courseId"], r["displayStatus"], r["progress"]) for r in rows]
    assert exported[0]["courseTitle"] == GOLF_TITLE

    # Sorting by a column header keeps the filters.
    page.get_by_role("link", name="Learner", exact=True).click()
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Learner")
    assert f"course={course_id}" in page.url
    assert len(_table_rows(page)) == 1

    # The attempt page: raw values, CMI tree, interactions and event log.
    page.locator("a.attempt-link").first.click()
    page.wait_for_url(f"{server.url}/staff/attempts/{started['attemptId']}/")
    expect(page.locator("h1")).to_contain_text(learner)
    expect(page.locator("table.key-values")).to_contain_text("cmi.core.lesson_location")
    expect(page.locator("table.key-values")).to_contain_text("9")
    tree = page.locator("details.cmi-tree")
    expect(tree.locator("pre")).to_be_hidden()
    tree.locator("summary").click()
    expect(tree.locator("pre")).to_contain_text('"student_response": "b"')
    interactions = page.locator("table.interactions tbody tr")
    expect(interactions).to_have_count(1)
    expect(interactions.first).to_contain_text("Par")
    expect(interactions.first).to_contain_text("wrong")
    kinds = page.locator("#event-log tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.kind)"
    )
    assert kinds[0] == "start"
    assert kinds.count("initialize") == 1  # the first Initialize of the session only
    assert kinds.count("commit") == 2
    assert kinds.count("setvalue_keys") == 2
    expect(page.locator("#event-log")).to_contain_text("cmi.core.lesson_location")
    shoot(page, "staff-attempt")

    # The course report counts the learner as in progress.
    page.goto(f"{server.url}/staff/courses/{course_id}/report/")
    expect(page.locator("#completion-rate")).to_have_text("0 %")
    expect(page.locator("svg#status-chart")).to_be_visible()
    expect(page.locator("svg#status-chart desc")).to_contain_text("In progress: 1")
    shoot(page, "staff-report")

    # Settings: a passing score out of range is refused with a message by the field.
    page.get_by_role("link", name="Settings", exact=True).click()
    page.fill("#id_passing_score", "150")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#passing-errors")).to_contain_text("less than or equal to 100")
    expect(page.locator("#id_passing_score")).to_have_attribute("aria-invalid", "true")
    shoot(page, "staff-settings-error")
    page.fill("#id_passing_score", "80")
    page.get_by_label("New attempt on relaunch").check()
    page.get_by_label("Learners may enrol themselves").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".messages")).to_contain_text("Settings saved.")
    expect(page.get_by_label("New attempt on relaunch")).to_be_checked()
    expect(page.locator("#id_passing_score")).to_have_value("80.00")


def test_learners_cannot_open_staff_pages(live_server_proc: LiveServer, page: Any) -> None:
    server = live_server_proc
    name = f"reports-nosy{next(_n)}"
    server.manage("adduser", name, "--password", PASSWORD)
    log_in(page, server, name)
    for path in ("/staff/attempts/", "/staff/courses/x/report/", "/staff/courses/x/settings/"):
        response = page.goto(f"{server.url}{path}")
        assert response.status == 403, path
    assert (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Attempts", exact=True)
        .count()
        == 0
    )
