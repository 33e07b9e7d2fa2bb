"""SCORM 1.2 prerequisites in Chromium, with examples/prereq12 (the Quiz needs Lesson 1 and
Lesson 2): the locked Quiz refuses to launch and says why, then opens once both lessons are
completed through their own content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.browser.helpers import (
    Dialogs,
    example,
    home_url,
    learner_in_course,
    log_in,
    wait_for_state,
    wait_initialized,
)

pytestmark = pytest.mark.browser

BOTH = "Opens once “Lesson 1” and “Lesson 2” are completed or passed."
REFUSED = "“Quiz” opens once “Lesson 1” and “Lesson 2” are completed or passed."

ITEMS = [
    {"itemId": "a", "launchable": True, "visible": True},
    {"itemId": "locked", "launchable": True, "visible": True, "available": False},
    {"itemId": "b", "launchable": True, "visible": True, "available": True},
    {"itemId": "last", "launchable": True, "visible": True, "available": False},
]
NAVIGATION = [
    ("a", "continue", {"itemId": "b"}),  # the locked item is skipped
    ("b", "previous", {"itemId": "a"}),
    ("b", "continue", None),  # only a locked item ahead: stay, the menu says why
    ("a", "{target=locked}choice", None),
]


def test_flow_skips_locked_items(live_server_proc: LiveServer, page: Any) -> None:
    page.goto(f"{live_server_proc.url}/accounts/login/")
    results = page.evaluate(
        """async ([items, cases]) => {
            const nav = await import("/static/player/navigation.js");
            return cases.map(([id, raw]) => nav.nextItem(items, id, nav.parseRequest(raw)));
        }""",
        [ITEMS, [[current, raw] for current, raw, _ in NAVIGATION]],
    )
    assert results == [expected for _, _, expected in NAVIGATION]
    locked = page.evaluate(
        """async (items) => {
            const nav = await import("/static/player/navigation.js");
            return [nav.neighbours(items, "a").locked?.itemId, nav.neighbours(items, "b")];
        }""",
        ITEMS,
    )
    assert locked[0] == "locked"
    assert locked[1] == {"previous": "a", "next": None, "locked": ITEMS[3]}


def sco(page: Any) -> Any:
    return page.frame_locator("#sco-frame")


def quiz_button(page: Any) -> Any:
    return page.locator("#toc button[data-item-id=item3]")


def complete_lesson(page: Any, item_id: str) -> None:
    page.wait_for_selector(f"#toc [aria-current][data-item-id={item_id}]")
    wait_initialized(page)
    sco(page).locator("#complete").click()
    sco(page).locator("#finish").click()


def test_the_quiz_is_locked_until_both_lessons_are_completed(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    user, course = learner_in_course(server, example("prereq12", tmp_path), "prereq12")
    dialogs = Dialogs(page)
    log_in(page, server, user)

    # A direct launch of the Quiz is refused with the server's reason, and nothing plays.
    page.goto(f"{server.url}/courses/{course}/play?item=item3")
    expect(page.locator("#player-error")).to_have_text(REFUSED)
    expect(page.locator("#player-error")).to_be_visible()
    assert page.locator("#sco-frame").get_attribute("src") in (None, "")
    # The menu shows it locked, with the reason as text.
    expect(quiz_button(page)).to_have_attribute("aria-disabled", "true")
    expect(quiz_button(page).locator(".toc-status")).to_have_text("Locked")
    expect(quiz_button(page).locator(".toc-lock")).to_have_text(BOTH)
    expect(quiz_button(page).locator(".toc-lock")).to_be_visible()
    expect(page.locator("#toc button[data-item-id=item1]")).not_to_have_attribute(
        "aria-disabled", "true"
    )

    # Lesson 1 from the menu; clicking the locked Quiz meanwhile launches nothing.
    page.click("#toc button[data-item-id=item1]")
    page.wait_for_selector("#toc [aria-current][data-item-id=item1]")
    wait_initialized(page)
    expect(page.locator("#player-error")).to_be_hidden()
    quiz_button(page).click(force=True)  # aria-disabled: Playwright would wait for it
    expect(page.locator("#player-error")).to_have_text(f"Quiz: {BOTH}")
    expect(page.locator("#toc [aria-current]")).to_have_attribute("data-item-id", "item1")
    assert page.locator("#next").get_attribute("data-target") == "item2"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "player-prerequisites.png"))

    # Lesson 1 completed: the menu follows the commit at once (before the SCO finishes).
    sco(page).locator("#complete").click()
    expect(quiz_button(page).locator(".toc-lock")).to_have_text(
        "Opens once “Lesson 2” is completed or passed."
    )
    # Finishing it moves on to Lesson 2; the Quiz still waits for that.
    sco(page).locator("#finish").click()
    page.wait_for_selector("#toc [aria-current][data-item-id=item2]")
    expect(quiz_button(page)).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#next")).to_be_disabled()

    # Completing Lesson 2 opens the Quiz, and the player goes there.
    complete_lesson(page, "item2")
    page.wait_for_selector("#toc [aria-current][data-item-id=item3]")
    wait_initialized(page)
    expect(quiz_button(page)).not_to_have_attribute("aria-disabled", "true")
    expect(quiz_button(page).locator(".toc-lock")).to_be_hidden()
    state = wait_for_state(page, server, course, lambda s: s["items"][2]["available"])
    assert state["items"][2]["lockedReason"] is None

    sco(page).locator("#pass").click()
    sco(page).locator("#finish").click()
    page.wait_for_url(home_url(server))  # past the last item: back to the dashboard
    done = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    # The lessons report no pass or fail, so the course is completed, not passed (SPEC §5).
    assert done["displayStatus"] == "Completed"
    assert [i["status"] for i in done["items"]] == ["Completed", "Completed", "Passed"]
    dialogs.assert_no_alerts()
