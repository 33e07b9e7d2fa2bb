"""``cmi.entry`` in the browser (issue 14, SPEC §6): a SCO that saved suspend_data but never
set ``cmi.exit`` = "suspend" is relaunched with entry "" (not "resume"), its suspend_data
preloaded, and its Initialize succeeds.

The issue's report: a real authoring tool's SPA saved suspend_data on its first slide, the
learner chose "Save & resume later", and the relaunch died ("Failed to get value for
cmi.location") because the LMS said "resume" while no bookmark existed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    Dialogs,
    example,
    golf,
    learner_in_course,
    log_in,
    play,
    recorded,
    saved,
    sco_api_get,
    sco_frame,
)

pytestmark = pytest.mark.browser

MINIMUM_2004 = "RuntimeMinimumCalls_SCORM20043rdEdition"
FIRST_SCO = "playing_playing_item"


def save_and_resume_later(page: Any, server: LiveServer, course: str) -> None:
    saved(page)
    page.click("#save-resume")
    page.wait_for_url(f"{server.url}/?saved={course}")


def golf_initialized(page: Any) -> None:
    """golf's scormfunctions.js sets ``initialized`` once Initialize answered "true" (it
    alerts otherwise)."""
    sco_frame(page).wait_for_function("() => window.initialized === true")


def test_golf_2004_sco_with_suspend_data_and_no_exit_relaunches_with_empty_entry(
    live_server_proc: LiveServer, page: Any
) -> None:
    """golf's minimum-calls SCO only calls Initialize and Terminate; from inside its frame the
    test adds what the SPA did on its first slide: suspend_data and a Commit, no cmi.exit."""
    server = live_server_proc
    user, course = learner_in_course(server, golf(MINIMUM_2004), MINIMUM_2004)
    dialogs = Dialogs(page)
    log_in(page, server, user)
    data = json.dumps({"slide": 1, "answers": []})

    play(page, server, course, item=FIRST_SCO)
    golf_initialized(page)
    assert sco_api_get(page, "cmi.entry") == "ab-initio"
    answers = sco_frame(page).evaluate(
        "(data) => [API.SetValue('cmi.suspend_data', data), API.Commit('')]", data
    )
    assert answers == ["true", "true"]
    save_and_resume_later(page, server, course)
    stored = recorded(server, course, user).sco(FIRST_SCO)
    assert (stored["exit"], stored["suspend"], stored["location"]) == ("", data, "")

    play(page, server, course, item=FIRST_SCO)
    golf_initialized(page)
    assert sco_api_get(page, "cmi.entry") == ""
    assert sco_api_get(page, "cmi.suspend_data") == data
    dialogs.assert_no_alerts()


def test_survey_saved_and_exited_normally_relaunches_with_empty_entry(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    """The demo course's survey saves its rating in suspend_data and ends with cmi.exit
    "normal" (it is complete): a relaunch is neither ab-initio nor resume.

    The course is sequenced (SPEC §11): "Save & resume later" is a suspendAll there, after
    which the SN resumes the suspended attempt (entry "resume"); so the survey ends itself
    (its Finish) and the learner chooses it again from the menu."""
    server = live_server_proc
    user, course = learner_in_course(server, example("multisco2004", tmp_path), "multisco")
    dialogs = Dialogs(page)
    log_in(page, server, user)

    play(page, server, course, item="ITEM-SURVEY")
    assert sco_api_get(page, "cmi.entry") == "ab-initio"
    survey = page.frame_locator("#sco-frame")
    survey.locator("#rating-4").check()
    survey.locator("#complete").click()
    survey.locator("#finish").click()
    page.wait_for_selector("#ended:not([hidden])")
    saved(page)
    stored = recorded(server, course, user).sco("ITEM-SURVEY")
    assert (stored["exit"], json.loads(stored["suspend"])) == ("normal", {"rating": "4"})

    page.click("#toc [data-item-id=ITEM-SURVEY]")
    page.wait_for_function(
        "() => document.querySelector('#sco-frame').dataset.itemId === 'ITEM-SURVEY'"
        " && window.API_1484_11.isInitialized()"
    )
    assert sco_api_get(page, "cmi.entry") == ""
    assert json.loads(sco_api_get(page, "cmi.suspend_data")) == {"rating": "4"}
    calls = sco_frame(page).evaluate("() => ScormAPI.calls.map((c) => [c.method, c.result])")
    assert calls[0] == ["Initialize", "true"]
    assert all(result == "true" for method, result in calls if method != "GetValue"), calls
    dialogs.assert_no_alerts()
