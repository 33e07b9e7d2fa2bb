"""After the first pass (issue 14, SPEC §6): a finished attempt is reviewed, not restarted; a
SCO it never finished is played inside it; a retake starts only on purpose and never hides the
pass; the course's attempt limit removes the button and says why.

Played through the real content: the demo's multi-SCO course (examples/multisco2004, what
``scormlms demo`` loads), a golf multi-SCO package and the single-SCO quiz12 example.
"""

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
    golf,
    golf_answer_quiz,
    learner_enrolled,
    learner_in_course,
    log_in,
    own_course,
    play,
    saved,
    sco_api_get,
    state,
    wait_for_state,
    wait_initialized,
)

pytestmark = pytest.mark.browser

REVIEW_BANNER = "Review — your result is kept"


def sco(page: Any) -> Any:
    return page.frame_locator("#sco-frame")


def open_item(page: Any, item_id: str) -> None:
    """Choose ``item_id`` in the player's menu and wait until it is the current item."""
    page.click(f"#toc button[data-item-id='{item_id}']")
    page.wait_for_selector(f"#toc [aria-current][data-item-id='{item_id}']")


def expect_passed_card(page: Any, server: LiveServer, course: str) -> Any:
    """The dashboard card says Passed, offers Review and the certificate; returns the card."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/")
    card = course_card(page, course)
    expect(card.locator(".status")).to_have_text("Passed")
    expect(card.locator(".primary-action")).to_have_text("Review")
    expect(card.locator("a.certificate")).to_be_visible()
    expect(card.locator(".retake-note")).to_be_hidden()
    return card


def test_demo_multisco_pass_then_leftover_items_stay_in_the_attempt(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    """The issue's first report: pass both modules, then open the Reference sheet.

    The demo course is sequenced (SPEC §11): its outcome is the root activity's rollup. The
    Reference sheet contributes to it (the manifest excludes only the survey), so passing
    both modules leaves the course in progress until the sheet has been seen, and the
    sheet's weight, without a measure of its own, counts in the score (SN RB.1.1)."""
    server = live_server_proc
    user, course = learner_in_course(server, example("multisco2004", tmp_path), "multisco")
    dialogs = Dialogs(page)
    log_in(page, server, user)

    play(page, server, course)
    sco(page).locator("#pass").click()
    sco(page).locator("#complete").click()
    sco(page).locator("#continue").click()
    page.wait_for_selector("#toc [aria-current][data-item-id=ITEM-MODULE2]")
    wait_initialized(page)
    sco(page).locator("#pass").click()
    sco(page).locator("#complete").click()
    sco(page).locator("#finish").click()
    modules = wait_for_state(page, server, course, lambda s: s["scorePercent"] == 60)
    assert (modules["status"], modules["passed"]) == ("In Progress", False)
    attempt = modules["attemptId"]

    # The asset: shown, then the learner moves on and its attempt ends, which completes and
    # passes the course.
    open_item(page, "ITEM-REFERENCE")
    sco(page).locator("#reference-title").wait_for()

    # A SCO it never finished (the survey) plays normally, in the same attempt.
    open_item(page, "ITEM-SURVEY")
    wait_initialized(page)
    passed = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert (passed["displayStatus"], passed["record"]["recordStatus"]) == ("Passed", "Passed")
    certificate = passed["record"]["certificateUrl"]
    assert certificate and passed["certificateUrl"] == certificate
    assert passed["attemptId"] == attempt
    assert page.locator("#review-banner").inner_text() == ""
    assert sco_api_get(page, "cmi.mode") == "normal"
    assert sco_api_get(page, "cmi.credit") == "credit"
    assert sco_api_get(page, "cmi.entry") == "ab-initio"
    sco(page).locator("#rating-4").check()
    sco(page).locator("#complete").click()
    sco(page).locator("#finish").click()
    after_survey = wait_for_state(
        page,
        server,
        course,
        lambda s: any(i["itemId"] == "ITEM-SURVEY" and i["completed"] for i in s["items"]),
    )
    assert after_survey["attemptId"] == attempt
    assert after_survey["record"]["recordStatus"] == "Passed"
    # The weight-0 survey does not change the score the pass was earned with.
    assert passed["record"]["recordScore"] == after_survey["record"]["recordScore"] == 60
    assert after_survey["record"]["certificateUrl"] == certificate

    # A module the attempt finished is shown again in review mode.
    open_item(page, "ITEM-MODULE1")
    wait_initialized(page)
    assert page.locator("#review-banner").inner_text() == REVIEW_BANNER
    assert sco_api_get(page, "cmi.mode") == "review"
    assert sco_api_get(page, "cmi.credit") == "no-credit"
    assert state(page, server, course)["attemptId"] == attempt

    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/")
    card = expect_passed_card(page, server, course)
    assert card.locator("a.certificate").get_attribute("href") == certificate
    final = state(page, server, course)
    assert final["attemptId"] == attempt
    assert final["record"]["attemptsUsed"] == 1
    dialogs.assert_no_alerts()


GOLF_POST_TEST = "SequencingPostTestRollup_SCORM20043rdEdition"


def finish_golf_sco(page: Any) -> None:
    """Page through a golf content SCO to its last page (completed and passed)."""
    button = sco(page).locator("#butNext")
    while not button.is_disabled():
        button.click()


def delivered(page: Any, item_id: str) -> None:
    page.wait_for_function(
        "(item) => document.querySelector('#sco-frame').dataset.itemId === item"
        " && window.API_1484_11.isInitialized() && !window.API_1484_11.isTerminated()",
        arg=item_id,
    )


def test_golf_post_test_pass_then_review_of_the_sequenced_attempt(
    live_server_proc: LiveServer, page: Any
) -> None:
    """golf's post-test course: only the quiz counts (the content SCOs' rollupRules say so).

    The course is sequenced (SPEC §11): the quiz is disabled until the content before it is
    passed (the old test opened it first, which the manifest forbids), so there are no
    leftover SCOs; the finished attempt opens in review, each SCO of it too."""
    server = live_server_proc
    user, course = learner_in_course(server, golf(GOLF_POST_TEST), GOLF_POST_TEST)
    dialogs = Dialogs(page)
    log_in(page, server, user)

    play(page, server, course)
    for item in ("etuqiette_item", "handicapping_item", "havingfun_item", "assessment_item"):
        finish_golf_sco(page)
        page.click("#next")
        delivered(page, item)
    golf_answer_quiz(page, correct=True)
    page.click("#next")  # past the last activity: the end of the course
    page.wait_for_selector("#ended:not([hidden])")
    saved(page)
    passed = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert passed["displayStatus"] == "Passed"
    assert passed["record"]["recordStatus"] == "Passed"
    certificate = passed["record"]["certificateUrl"]
    assert certificate
    attempt = passed["attemptId"]
    expect_passed_card(page, server, course)

    # The finished attempt opens in review: the first activity, then the quiz from the menu.
    play(page, server, course)
    page.wait_for_function(
        "(text) => document.querySelector('#review-banner').textContent === text",
        arg=REVIEW_BANNER,
    )
    assert sco_api_get(page, "cmi.mode") == "review"
    page.click("#toc [data-item-id=assessment_item]")
    delivered(page, "assessment_item")
    assert sco_api_get(page, "cmi.mode") == "review"
    assert sco_api_get(page, "cmi.credit") == "no-credit"
    assert sco_api_get(page, "cmi.success_status") == "passed"
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/")
    card = expect_passed_card(page, server, course)
    assert card.locator("a.certificate").get_attribute("href") == certificate
    after = state(page, server, course)
    assert after["attemptId"] == attempt
    assert (after["status"], after["record"]["recordStatus"]) == ("Completed", "Passed")
    dialogs.assert_no_alerts()


def answer_quiz12(page: Any, *, correct: bool) -> None:
    """quiz12: on to page 3, answer, submit, then Finish (the SCO ends its session)."""
    frame = sco(page)
    frame.locator("#next").click()
    frame.locator("#next").click()
    for question in ("q1", "q2", "q3"):
        choice = "input[data-correct]" if correct else "input:not([data-correct])"
        frame.locator(f"#{question} {choice}").first.check()
    frame.locator("#submit-quiz").click()
    frame.locator("#finish").click()


def set_max_attempts(browser: Any, server: LiveServer, course: str, limit: int) -> None:
    """A staff member sets the course's attempt limit on its settings page."""
    from playwright.sync_api import expect

    with StaffSession(browser, server) as staff:
        staff.goto(f"{server.url}/staff/courses/{course}/settings/")
        staff.fill("#id_max_attempts", str(limit))
        staff.click("form.settings-form button[type=submit]")
        expect(staff.locator("#id_max_attempts")).to_have_value(str(limit))


def post_new_attempt(page: Any, server: LiveServer, course: str) -> Any:
    """What the confirmation's button sends: POST /courses/<id>/new-attempt."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(
        f"{server.url}/courses/{course}/new-attempt",
        form={"csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{server.url}/courses/{course}/new-attempt"},
        max_redirects=0,
    )


def test_single_sco_review_then_retakes_up_to_the_limit(
    live_server_proc: LiveServer, browser: Any, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    course = own_course(server, example("quiz12", tmp_path), "quiz12-retake")
    user = learner_enrolled(server, course, "retake")
    set_max_attempts(browser, server, course, 2)
    dialogs = Dialogs(page)
    log_in(page, server, user)

    # First attempt: passed.
    play(page, server, course)
    answer_quiz12(page, correct=True)
    page.wait_for_url(f"{server.url}/")
    first = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert first["displayStatus"] == "Passed"
    certificate = first["record"]["certificateUrl"]
    assert certificate
    card = expect_passed_card(page, server, course)
    expect(card.locator(".secondary-action")).to_have_text("Start a new attempt")
    expect(card.locator(".attempts-used")).to_have_text("1 of 2")

    # Re-opening the finished course (the card's Review) is review mode, not a new attempt.
    card.locator(".primary-action").click()
    wait_initialized(page)
    expect(page.locator("#review-banner")).to_have_text(REVIEW_BANNER)
    assert sco_api_get(page, "cmi.core.lesson_mode") == "review"
    assert sco_api_get(page, "cmi.core.credit") == "no-credit"
    assert sco_api_get(page, "cmi.core.lesson_status") == "passed"
    assert state(page, server, course)["attemptId"] == first["attemptId"]
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/")
    expect(page.locator("#saved-notice")).to_have_count(0)  # nothing was saved in review
    card = expect_passed_card(page, server, course)
    expect(card.locator(".attempts-used")).to_have_text("1 of 2")
    assert state(page, server, course)["attemptId"] == first["attemptId"]

    # "Start a new attempt" from the course page, through its confirmation.
    page.goto(f"{server.url}/courses/{course}/")
    hero = course_card(page, course)
    expect(hero.locator(".secondary-action")).to_have_text("Start a new attempt")
    hero.locator(".secondary-action").click()
    page.wait_for_url(f"{server.url}/courses/{course}/new-attempt")
    confirm = page.locator("#new-attempt-confirm")
    expect(confirm).to_contain_text("kept in your history")
    expect(confirm).to_contain_text("attempt 2 of 2")
    page.click("#confirm-new-attempt")
    page.wait_for_url(f"{server.url}/courses/{course}/play")
    wait_initialized(page)
    expect(page.locator("#review-banner")).to_have_text("")
    assert sco_api_get(page, "cmi.core.lesson_mode") == "normal"
    assert sco_api_get(page, "cmi.core.entry") == "ab-initio"
    retake = state(page, server, course)
    assert retake["attemptId"] != first["attemptId"]
    assert (retake["status"], retake["record"]["recordStatus"]) == ("In Progress", "Passed")
    sco(page).locator("#next").click()
    saved(page)
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/?saved={course}")
    expect(page.locator("#saved-notice")).to_contain_text("Saved — resume any time")

    # The card: still Passed (with the certificate), the retake beside it, and the limit.
    card = course_card(page, course)
    expect(card.locator(".status")).to_have_text("Passed")
    expect(card.locator(".retake-note")).to_be_visible()
    expect(card.locator(".primary-action")).to_have_text("Resume")
    expect(card.locator("a.certificate")).to_have_attribute("href", certificate)
    expect(card.locator(".attempts-used")).to_have_text("2 of 2")
    expect(card.locator(".secondary-action")).to_be_hidden()
    expect(card.locator(".new-attempt-message")).to_have_text(
        "You have used all 2 attempts of this course."
    )

    # The retake fails: the pass is never hidden by a later attempt.
    card.locator(".primary-action").click()
    wait_initialized(page)
    assert sco_api_get(page, "cmi.core.entry") == "resume"
    frame = sco(page)
    frame.locator("#next").click()
    for question in ("q1", "q2", "q3"):
        frame.locator(f"#{question} input:not([data-correct])").first.check()
    frame.locator("#submit-quiz").click()
    frame.locator("#finish").click()
    # A failed SCORM 1.2 SCO does not move on: the player says this part has ended.
    page.wait_for_selector("#ended:not([hidden])")
    failed = wait_for_state(page, server, course, lambda s: s["displayStatus"] == "Failed")
    assert failed["attemptId"] == retake["attemptId"]
    assert failed["record"]["recordStatus"] == "Passed"
    assert failed["record"]["certificateUrl"] == certificate
    assert failed["newAttempt"]["allowed"] is False
    page.goto(f"{server.url}/")
    card = course_card(page, course)
    expect(card.locator(".status")).to_have_text("Passed")
    expect(card.locator(".retake-note")).to_be_hidden()
    expect(card.locator(".primary-action")).to_have_text("Review")
    expect(card.locator(".secondary-action")).to_be_hidden()
    expect(card.locator(".new-attempt-message")).to_be_visible()
    expect(card.locator("a.certificate")).to_have_attribute("href", certificate)

    # Over the limit, the confirmation page says why and offers no button; confirming
    # anyway is refused the same way, and nothing changes.
    answer = page.goto(f"{server.url}/courses/{course}/new-attempt")
    assert answer is not None and answer.status == 409
    expect(page.locator("#new-attempt-error")).to_have_text(
        "You have used all 2 attempts of this course."
    )
    expect(page.locator("#confirm-new-attempt")).to_have_count(0)
    refused = post_new_attempt(page, server, course)
    assert refused.status == 409
    assert "You have used all 2 attempts of this course." in refused.text()
    assert 'id="new-attempt-error"' in refused.text()
    assert state(page, server, course)["attemptId"] == retake["attemptId"]
    dialogs.assert_no_alerts()


def test_start_over_abandons_the_open_attempt_through_the_confirmation(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    """While an attempt is in progress the card offers Resume and "Start over"; confirming
    closes the open attempt as Abandoned (kept in the history) and starts afresh."""
    from playwright.sync_api import expect

    server = live_server_proc
    user, course = learner_in_course(server, example("quiz12", tmp_path), "quiz12")
    dialogs = Dialogs(page)
    log_in(page, server, user)
    play(page, server, course)
    sco(page).locator("#next").click()
    saved(page)
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/?saved={course}")
    first = state(page, server, course)

    card = course_card(page, course)
    expect(card.locator(".primary-action")).to_have_text("Resume")
    expect(card.locator(".secondary-action")).to_have_text("Start over")
    card.locator(".secondary-action").click()
    page.wait_for_url(f"{server.url}/courses/{course}/new-attempt")
    expect(page.locator("#new-attempt-confirm")).to_contain_text("Abandoned")
    page.click("#confirm-new-attempt")
    page.wait_for_url(f"{server.url}/courses/{course}/play")
    wait_initialized(page)
    assert sco_api_get(page, "cmi.core.entry") == "ab-initio"
    fresh = state(page, server, course)
    assert fresh["attemptId"] != first["attemptId"]
    assert (fresh["status"], fresh["record"]["attemptsUsed"]) == ("In Progress", 2)

    page.goto(f"{server.url}/courses/{course}/")
    old = page.locator(f"table.attempts tr[data-attempt-id='{first['attemptId']}']")
    expect(old).to_contain_text("Abandoned")
    dialogs.assert_no_alerts()
