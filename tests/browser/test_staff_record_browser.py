"""Staff set a learner's record by hand and reset their attempts on the staff attempt page
(issue 14, SPEC §6); the learner sees each change on the course card, and the attempt's event
log says who did it and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    Dialogs,
    StaffSession,
    course_card,
    example,
    learner_in_course,
    log_in,
    play,
    sco_api_get,
    wait_for_state,
    wait_initialized,
)
from tests.browser.test_dashboard import api_start

pytestmark = pytest.mark.browser


def fail_quiz12(page: Any) -> None:
    frame = page.frame_locator("#sco-frame")
    frame.locator("#next").click()
    frame.locator("#next").click()
    for question in ("q1", "q2", "q3"):
        frame.locator(f"#{question} input:not([data-correct])").first.check()
    frame.locator("#submit-quiz").click()
    frame.locator("#finish").click()


def event_row(staff: Any, kind: str) -> Any:
    return staff.locator(f"#event-log tr[data-kind='{kind}']")


def test_staff_override_then_reset_reach_the_learner_and_the_event_log(
    live_server_proc: LiveServer, browser: Any, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    user, course = learner_in_course(server, example("quiz12", tmp_path), "quiz12")
    dialogs = Dialogs(page)
    log_in(page, server, user)
    play(page, server, course)
    fail_quiz12(page)
    failed = wait_for_state(page, server, course, lambda s: s["displayStatus"] == "Failed")
    assert failed["record"]["recordStatus"] == "Failed"
    attempt = failed["attemptId"]
    staff_url = f"{server.url}/staff/attempts/{attempt}/"
    # The staff page and its forms are for staff only.
    assert page.request.get(staff_url).status == 403

    session = StaffSession(browser, server)
    with session as staff:
        staff.goto(staff_url)
        expect(staff.locator("#record-status")).to_have_text("Failed")
        expect(staff.locator("#record-overridden")).to_have_count(0)

        # A reason is required: without one nothing changes.
        override = staff.locator("#override-form")
        staff.click("#override-form >> xpath=.. >> summary")
        override.locator("[name=passed]").select_option("yes")
        override.locator("[name=score]").fill("85")
        override.locator("button[type=submit]").click()
        expect(staff.locator("#override-form [role=alert]")).to_be_visible()
        expect(staff.locator("#record-status")).to_have_text("Failed")

        override = staff.locator("#override-form")
        override.locator("[name=passed]").select_option("yes")
        override.locator("[name=score]").fill("85")
        override.locator("[name=reason]").fill("Passed the oral exam on 3 May")
        override.locator("button[type=submit]").click()
        staff.wait_for_url(staff_url)
        expect(staff.locator("#record-status")).to_have_text("Passed")
        expect(staff.locator("#record-overridden")).to_be_visible()
        expect(staff.locator("#record-score")).to_have_text("85 %")
        expect(event_row(staff, "override")).to_have_count(1)
        expect(event_row(staff, "override")).to_contain_text("Passed the oral exam on 3 May")
        expect(event_row(staff, "override")).to_contain_text(session.user)

        # The learner's card shows the record set by hand.
        page.goto(f"{server.url}/")
        card = course_card(page, course)
        expect(card.locator(".status")).to_have_text("Passed")
        expect(card.locator(".overridden-note")).to_be_visible()
        expect(card.locator(".score")).to_have_text("85 %")
        overridden = wait_for_state(page, server, course, lambda s: s["record"]["overridden"])
        assert overridden["record"]["recordPassed"] is True
        assert overridden["attemptId"] == attempt

        # Reset: the attempt stays in history, marked Reset; the learner starts afresh.
        staff.click("#reason-form >> xpath=.. >> summary")
        staff.locator("#reason-form [name=reason]").fill("Retake agreed with the tutor")
        staff.click("#reset-attempts")
        staff.wait_for_url(staff_url)
        expect(staff.locator("#attempt-reset")).to_be_visible()
        expect(event_row(staff, "reset")).to_have_count(1)
        expect(event_row(staff, "reset")).to_contain_text("Retake agreed with the tutor")
        expect(event_row(staff, "reset")).to_contain_text(session.user)
        expect(staff.locator("#record-status")).to_have_text("Not started")
        expect(staff.locator("#record-overridden")).to_have_count(0)

    page.goto(f"{server.url}/")
    card = course_card(page, course)
    expect(card.locator(".status")).to_have_text("Not started")
    expect(card.locator(".overridden-note")).to_be_hidden()
    expect(card.locator(".attempts-used")).to_have_text("0")
    expect(card.locator("a.certificate")).to_be_hidden()
    expect(card.locator(".primary-action")).to_have_text("Start")
    card.locator(".primary-action").click()
    wait_initialized(page)
    assert sco_api_get(page, "cmi.core.entry") == "ab-initio"
    assert sco_api_get(page, "cmi.core.lesson_mode") == "normal"
    fresh = wait_for_state(page, server, course, lambda s: s["attemptId"] != attempt)
    assert (fresh["status"], fresh["record"]["recordStatus"]) == ("In Progress", "In progress")
    assert fresh["record"]["attemptsUsed"] == 1
    page.goto(f"{server.url}/courses/{course}/")
    expect(page.locator(f"table.attempts tr[data-attempt-id='{attempt}']")).to_contain_text("Reset")
    dialogs.assert_no_alerts()


DUPLICATE_IDS = """() => {
    const seen = {};
    for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
    return Object.keys(seen).filter((id) => seen[id] > 1);
}"""

# Each label of the two record forms and the form of the field it names.
LABEL_FORMS = """() => Array.from(
    document.querySelectorAll("#override-form label[for], #reason-form label[for]"),
    (label) => [label.closest("form").id, document.getElementById(label.htmlFor)?.form?.id],
)"""


def test_staff_record_forms_label_their_own_fields(
    live_server_proc: LiveServer, browser: Any, page: Any, tmp_path: Path
) -> None:
    """Two forms on one page: every id is unique and every label names a field of its own
    form (a screen reader announces the right field; clicking the label focuses it)."""
    server = live_server_proc
    user, course = learner_in_course(server, example("quiz12", tmp_path), "quiz12")
    log_in(page, server, user)
    attempt = api_start(page, server, course)["attemptId"]
    with StaffSession(browser, server) as staff:
        staff.goto(f"{server.url}/staff/attempts/{attempt}/")
        staff.locator("#reason-form").wait_for(state="attached")
        assert staff.evaluate(DUPLICATE_IDS) == []
        assert all(own == named for own, named in staff.evaluate(LABEL_FORMS))
