"""Leaving the player: the Exit dialog (keyboard and focus), Don't save and Save, and what
the dashboard card shows afterwards without a manual reload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    Dialogs,
    api_get,
    golf,
    golf_next,
    home_url,
    learner_in_course,
    log_in,
    play,
    state,
)

pytestmark = pytest.mark.browser

PACKAGE = "RuntimeBasicCalls_SCORM12"


def test_exit_dialog_dont_save_then_save(live_server_proc: LiveServer, page: Any) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    user, course = learner_in_course(server, golf(PACKAGE), "exit")
    dialogs = Dialogs(page)
    log_in(page, server, user)
    card = page.locator(f'article[data-course-id="{course}"]')

    # A first visit left with Don't save: nothing was committed, so nothing remains.
    play(page, server, course)
    golf_next(page, 3)
    exit_button = page.locator("#exit")
    exit_button.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#exit-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#exit-save")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(exit_button).to_be_focused()

    exit_button.click()
    page.click("#exit-discard")
    page.wait_for_url(home_url(server))
    expect(card.locator(".status")).to_have_text("Not started")
    expect(card.locator(".primary-action")).to_have_text("Start")
    assert state(page, server, course)["hasOpenAttempt"] is False

    # The next visit starts afresh, and Save keeps it for later.
    play(page, server, course)
    assert api_get(page, "cmi.core.entry") == "ab-initio"
    golf_next(page, 5)
    page.click("#exit")
    page.click("#exit-save")
    page.wait_for_url(home_url(server))
    expect(card.locator(".status")).to_have_text("In progress")
    expect(card.locator(".primary-action")).to_have_text("Resume")
    saved = state(page, server, course)
    assert saved["canResume"] is True and saved["progressPercent"] > 0

    # Don't save once commits exist keeps the attempt (SPEC §6).
    play(page, server, course)
    assert api_get(page, "cmi.core.lesson_location") == "5"
    page.click("#exit")
    page.click("#exit-discard")
    page.wait_for_url(home_url(server))
    expect(card.locator(".primary-action")).to_have_text("Resume")
    assert state(page, server, course)["attemptId"] == saved["attemptId"]
    dialogs.assert_no_alerts()


def test_a_suspend_all_request_from_the_content_returns_to_the_dashboard(
    live_server_proc: LiveServer, page: Any
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    package = "RuntimeBasicCalls_SCORM20043rdEdition"
    user, course = learner_in_course(server, golf(package), "suspendall")
    dialogs = Dialogs(page)
    log_in(page, server, user)
    play(page, server, course)
    golf_next(page, 2)
    # The content's own Exit asks "save your progress?" (accepted): exit=suspend, then
    # adl.nav.request=suspendAll and Terminate; the player takes the learner home.
    page.frame_locator("#sco-frame").locator("#butExit").click()
    page.wait_for_url(home_url(server))
    assert dialogs.confirms == ["Would you like to save your progress to resume later?"]
    card = page.locator(f'article[data-course-id="{course}"]')
    expect(card.locator(".primary-action")).to_have_text("Resume")
    play(page, server, course)
    assert api_get(page, "cmi.entry") == "resume"
    assert api_get(page, "cmi.location") == "2"
    dialogs.assert_no_alerts()
