"""The player with Rustici's golf packages: resume, scoring, derived pass/fail, many SCOs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    Dialogs,
    api_get,
    golf,
    golf_answer_quiz,
    golf_next,
    golf_page_src,
    learner_in_course,
    log_in,
    play,
    saved,
    sco_attempts,
    wait_for_state,
)

pytestmark = pytest.mark.browser

BASIC = {
    "1.2": ("RuntimeBasicCalls_SCORM12", "cmi.core.entry"),
    "2004": ("RuntimeBasicCalls_SCORM20043rdEdition", "cmi.entry"),
}


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_basic_calls_resume_then_pass_then_fail(
    live_server_proc: LiveServer, page: Any, standard: str
) -> None:
    server = live_server_proc
    package, entry = BASIC[standard]
    user, course = learner_in_course(server, golf(package), package)
    dialogs = Dialogs(page)
    log_in(page, server, user)

    # Half-way through, the tab is closed: the SCO's own unload handler suspends and
    # terminates, and that single commit must survive the page going away.
    play(page, server, course)
    assert api_get(page, entry) == "ab-initio"
    golf_next(page, 7)
    context = page.context
    page.close()

    page = context.new_page()
    dialogs = Dialogs(page)
    play(page, server, course)
    assert api_get(page, entry) == "resume"
    page.wait_for_function(
        "() => document.querySelector('#sco-frame').contentWindow.currentPage === 7"
    )
    assert golf_page_src(page).endswith("Etiquette/Play.html")
    assert dialogs.confirms == ["Would you like to resume from where you previously left off?"]

    # On to the quiz (page 14), all answers right.
    golf_next(page, 7)
    golf_answer_quiz(page, correct=True)
    saved(page)
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/")
    done = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert done["displayStatus"] == "Passed"
    assert done["pass"] is True and done["score"] == 100
    assert done["certificateUrl"]
    dialogs.assert_no_alerts()

    # A second run (the completed attempt is closed, so this is a new one) answered wrongly.
    play(page, server, course)
    assert api_get(page, entry) == "ab-initio"
    golf_next(page, 14)
    golf_answer_quiz(page, correct=False)
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/")
    failed = wait_for_state(page, server, course, lambda s: s["displayStatus"] == "Failed")
    assert failed["pass"] is False
    assert failed["score"] is not None and failed["score"] < 70
    dialogs.assert_no_alerts()
    [sco] = sco_attempts(server, course, user)
    assert sco["total_time"]  # the server added the session time on finish
