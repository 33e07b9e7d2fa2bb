"""The player end to end with our own sample packages (examples/), one test per package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.browser.helpers import (
    Dialogs,
    api_get,
    example,
    home_url,
    learner_in_course,
    log_in,
    play,
    recorded,
    wait_for_state,
    wait_initialized,
)

pytestmark = pytest.mark.browser


def sco(page: Any) -> Any:
    return page.frame_locator("#sco-frame")


def answer(frame: Any, *, correct: bool) -> None:
    for question in ("q1", "q2", "q3"):
        selector = (
            f"#{question} input[data-correct]"
            if correct
            else (f"#{question} input:not([data-correct])")
        )
        frame.locator(selector).first.check()
    frame.locator("#submit-quiz").click()


def test_quiz12_resumes_and_passing_leaves_for_the_dashboard(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    server = live_server_proc
    user, course = learner_in_course(server, example("quiz12", tmp_path), "quiz12")
    dialogs = Dialogs(page)
    log_in(page, server, user)

    play(page, server, course)
    sco(page).locator("#next").click()
    page.click("#save-resume")
    page.wait_for_url(home_url(server))
    paused = wait_for_state(page, server, course, lambda s: s["canResume"])
    assert paused["status"] == "In Progress"

    play(page, server, course)
    assert api_get(page, "cmi.core.entry") == "resume"
    assert api_get(page, "cmi.core.lesson_location") == "2/3"
    # The manifest's adlcp:masteryscore reaches the SCO (SPEC §6 launch data).
    assert api_get(page, "cmi.student_data.mastery_score") == "80"
    sco(page).locator("#next").click()
    answer(sco(page), correct=True)
    # Finishing a SCORM 1.2 SCO that passed moves on; after the only SCO that is the end.
    sco(page).locator("#finish").click()
    page.wait_for_url(home_url(server))
    done = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert (done["displayStatus"], done["score"], done["pass"]) == ("Passed", 100, True)
    assert done["certificateUrl"]
    dialogs.assert_no_alerts()


def sco_progress(fields: dict[str, Any]) -> int:
    """The progress of a single-SCO course's SCO, from the state API's checklist."""
    return int(next(i["progressPercent"] for i in fields["items"] if i["launchable"]))


def test_progress2004_reports_progress_then_completion_and_stays_after_terminate(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    server = live_server_proc
    user, course = learner_in_course(server, example("progress2004", tmp_path), "progress2004")
    log_in(page, server, user)

    play(page, server, course)
    sco(page).locator("#next").click()
    # The course is sequenced (SPEC §11): its progress is the root's rollup, which the engine
    # updates when the SCO ends; the SCO's own progress is in the checklist at once.
    halfway = wait_for_state(page, server, course, lambda s: sco_progress(s) == 50)
    assert halfway["displayStatus"] == "In progress"

    sco(page).locator("#next").click()  # page 3: the quiz
    answer(sco(page), correct=False)
    sco(page).locator("#next").click()
    sco(page).locator("#finish").click()
    # Terminate without a navigation request: the learner stays and chooses.
    page.wait_for_selector("#ended:not([hidden])")
    assert page.url.endswith(f"/courses/{course}/play")
    done = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert (done["displayStatus"], done["pass"], done["progressPercent"]) == ("Failed", False, 100)
    # The status line follows the acknowledgements (of the commit, then of the engine's save).
    from playwright.sync_api import expect

    expect(page.locator("#course-status")).to_have_text("Failed")


def test_multisco2004_follows_continue_requests_and_the_menu(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    server = live_server_proc
    user, course = learner_in_course(server, example("multisco2004", tmp_path), "multisco")
    dialogs = Dialogs(page)
    log_in(page, server, user)

    play(page, server, course)
    toc = page.locator("#toc button[data-item-id]")
    assert toc.count() == 4
    assert page.locator("#toc [aria-current]").get_attribute("data-item-id") == "ITEM-MODULE1"
    sco(page).locator("#pass").click()
    sco(page).locator("#complete").click()
    sco(page).locator("#continue").click()  # adl.nav.request = continue, then Terminate
    page.wait_for_selector("#toc [aria-current][data-item-id=ITEM-MODULE2]")
    wait_initialized(page)
    page.wait_for_selector("#toc [data-item-id=ITEM-MODULE1][data-status=Passed]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "player-multisco.png"))

    # The menu: straight to the survey, then back to module 2 with Previous… twice.
    page.click("#toc [data-item-id=ITEM-SURVEY]")
    page.wait_for_selector("#toc [aria-current][data-item-id=ITEM-SURVEY]")
    wait_initialized(page)
    sco(page).locator("#complete").click()
    page.click("#prev")  # the asset "Reference sheet"
    page.wait_for_selector("#toc [aria-current][data-item-id=ITEM-REFERENCE]")
    page.click("#prev")
    page.wait_for_selector("#toc [aria-current][data-item-id=ITEM-MODULE2]")
    wait_initialized(page)
    in_progress = wait_for_state(page, server, course, lambda s: s["status"] == "In Progress")
    assert in_progress["canResume"]
    sco(page).locator("#pass").click()
    sco(page).locator("#complete").click()
    sco(page).locator("#finish").click()
    done = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert done["displayStatus"] == "Passed"
    stored = {s["item"]: s for s in recorded(server, course, user).scos}
    assert set(stored) == {"ITEM-MODULE1", "ITEM-MODULE2", "ITEM-REFERENCE", "ITEM-SURVEY"}
    assert stored["ITEM-SURVEY"]["completed"]
    dialogs.assert_no_alerts()
