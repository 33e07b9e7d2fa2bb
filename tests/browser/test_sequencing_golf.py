"""SCORM 2004 sequencing in the player (SPEC §11, issue 15), with Rustici's golf Sequencing*
packages: what each does is in ../shared/SEQUENCING.md, asserted through the standard API
(``adl.nav.request_valid.*``, the SCO delivered) and the state API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    Dialogs,
    golf,
    learner_in_course,
    log_in,
    sco_api_get,
    state,
)

pytestmark = pytest.mark.browser

FORCED = "SequencingForcedSequential_SCORM20043rdEdition"


def delivered(page: Any, content: str, timeout: float = 15000) -> None:
    """Wait until the player's frame shows the golf launch page of ``content``."""
    page.wait_for_function(
        """(content) => {
            const f = document.querySelector("#sco-frame");
            const api = window.API_1484_11;
            return !!f && f.src.includes("content=" + content) && !!api
                && api.isInitialized() && !api.isTerminated();
        }""",
        arg=content,
        timeout=timeout,
    )


def valid(page: Any, request: str) -> str:
    return sco_api_get(page, f"adl.nav.request_valid.{request}")


def finish_golf_pages(page: Any) -> None:
    """Page through the golf SCO to its last page (which sets completed and passed)."""
    frame = page.frame_locator("#sco-frame")
    button = frame.locator("#butNext")
    for _ in range(20):
        if button.is_disabled():
            return
        button.click()
        page.wait_for_timeout(150)
    raise AssertionError("the golf SCO never reached its last page")


def toc(page: Any, item_id: str) -> Any:
    return page.locator(f'#toc button[data-item-id="{item_id}"]')


def test_forced_sequential_plays_in_order_back_allowed_ahead_refused_and_resumes(
    page: Any, browser: Any, live_server_proc: LiveServer
) -> None:
    server = live_server_proc
    user, course_id = learner_in_course(server, golf(FORCED), "forced")
    Dialogs(page)
    log_in(page, server, user)
    page.goto(f"{server.url}/courses/{course_id}/play")
    delivered(page, "playing")

    # Skipping ahead is refused: the API says so, and the menu refuses with a message.
    assert valid(page, "choice.{target=handicapping_item}") == "false"
    assert valid(page, "choice.{target=assessment_item}") == "false"
    assert toc(page, "handicapping_item").get_attribute("aria-disabled") == "true"
    toc(page, "handicapping_item").click(force=True)  # aria-disabled, still focusable
    assert "not available" in page.locator("#player-error").inner_text()
    delivered(page, "playing")  # the SCO was not taken away

    finish_golf_pages(page)
    page.locator("#next").click()
    delivered(page, "etiquette")
    assert page.locator("#player-error").is_hidden()
    assert valid(page, "choice.{target=playing_item}") == "true"  # going back is allowed
    assert valid(page, "choice.{target=havingfun_item}") == "false"

    # Back to the first one through the menu, then on again with Next.
    toc(page, "playing_item").click()
    delivered(page, "playing")
    page.locator("#next").click()
    delivered(page, "etiquette")

    # The state API has the sequencing outcome so far: in progress, the first SCO done.
    fields = state(page, server, course_id)
    assert fields["status"] == "In Progress"
    items = {i["itemId"]: i for i in fields["items"]}
    assert items["playing_item"]["status"] in ("Passed", "Completed")

    # Close the tab in the middle of Etiquette, come back on a second device: the same
    # activity, the same locks.
    page.context.close()
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        second = other.new_page()
        Dialogs(second)
        log_in(second, server, user)
        second.goto(f"{server.url}/courses/{course_id}/play")
        delivered(second, "etiquette")
        assert valid(second, "choice.{target=playing_item}") == "true"
        assert valid(second, "choice.{target=handicapping_item}") == "false"
    finally:
        other.close()
