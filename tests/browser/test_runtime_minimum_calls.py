"""golf's RuntimeMinimumCalls packages (issue 14, SPEC §6): 18 SCOs in four folders that only
call Initialize and Terminate. The LMS records a SCO that set no status as completed when its
session ends (SCORM 1.2 RTE 3.4.4; 2004 deliveryControls completionSetByContent /
objectiveSetByContent, both false by default), so visiting every SCO completes the course; the
checklist's folder rows roll up the items under them (or are not listed as items)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    Dialogs,
    course_card,
    golf,
    home_url,
    learner_in_course,
    log_in,
    play,
    wait_for_state,
    wait_initialized,
)

pytestmark = pytest.mark.browser

# The course's display status once every SCO was visited: 1.2 "completed" (no mastery score);
# 2004 completion "completed" and, with objectiveSetByContent false, success "passed".
PACKAGES = {
    "1.2": ("RuntimeMinimumCalls_SCORM12", "Completed"),
    "2004": ("RuntimeMinimumCalls_SCORM20043rdEdition", "Passed"),
}
FOLDERS = ["playing_item", "etiquette_item", "handicapping_item", "havingfun_item"]


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_visiting_every_sco_completes_the_course_and_folders_roll_up(
    live_server_proc: LiveServer, page: Any, standard: str
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    package, finished_status = PACKAGES[standard]
    user, course = learner_in_course(server, golf(package), package)
    dialogs = Dialogs(page)
    log_in(page, server, user)

    play(page, server, course)
    items = page.locator("#toc button[data-item-id]")
    assert items.count() == 18
    ids = [items.nth(i).get_attribute("data-item-id") for i in range(18)]
    for item_id in ids[1:]:
        page.click("#next")
        page.wait_for_selector(f"#toc [aria-current][data-item-id='{item_id}']")
        wait_initialized(page)
    halfway = wait_for_state(
        page,
        server,
        course,
        lambda s: sum(i["completed"] for i in s["items"] if i["launchable"]) == 17,
    )
    assert halfway["status"] == "In Progress"

    page.click("#save-resume")  # ends the 18th SCO's session
    page.wait_for_url(home_url(server))
    done = wait_for_state(page, server, course, lambda s: s["status"] == "Completed")
    assert done["displayStatus"] == finished_status
    assert done["record"]["recordStatus"] == finished_status
    assert done["progressPercent"] == 100
    scos = [i for i in done["items"] if i["launchable"]]
    assert len(scos) == 18 and all(i["completed"] for i in scos)
    folders = {i["itemId"]: i for i in done["items"] if not i["launchable"]}
    assert sorted(folders) == sorted(FOLDERS)
    assert {f["status"] for f in folders.values()} == {finished_status}

    page.goto(f"{server.url}/")
    card = course_card(page, course)
    expect(card.locator(".status")).to_have_text(finished_status)
    expect(card.locator(".primary-action")).to_have_text("Review")

    # The checklist on the course page: every SCO and every folder shows the outcome.
    page.goto(f"{server.url}/courses/{course}/")
    rows = page.locator("#checklist tbody tr[data-item-id]:not(.folder)")
    expect(rows).to_have_count(18)
    expect(rows.locator(".status")).to_have_text([finished_status] * 18)
    for folder in page.locator("#checklist tbody tr.folder").all():
        status = folder.locator(".status")
        if status.count():
            expect(status).to_have_text(finished_status)
        else:  # a heading row, not an item with a status of its own
            assert folder.get_attribute("data-item-id") is None
    expect(page.locator("#checklist")).not_to_contain_text("Not started")
    dialogs.assert_no_alerts()
