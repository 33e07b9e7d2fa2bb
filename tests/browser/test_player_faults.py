"""Fault injection: a network that drops requests or answers, and a tab closed meanwhile.

Whatever happens to the connection, every commit reaches the server exactly once in effect:
the journal resends until acknowledged, and the server's seq check (stale: true) and
finished-session check (409) make a second delivery harmless.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    api_get,
    example,
    learner_in_course,
    log_in,
    play,
    recorded,
    wait_for_state,
)

pytestmark = pytest.mark.browser

RESULT = "**/api/scorm/result"


def sco(page: Any) -> Any:
    return page.frame_locator("#sco-frame")


def sco_progress(fields: dict[str, Any]) -> int:
    """The SCO's progress from the state API's checklist: progress2004 is sequenced (SPEC
    §11), so the course's own progress follows the engine's rollup when the SCO ends, while
    each commit updates its SCO's."""
    return int(next(i["progressPercent"] for i in fields["items"] if i["launchable"]))


def test_commits_during_an_outage_arrive_once_the_network_is_back(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    server = live_server_proc
    user, course = learner_in_course(server, example("progress2004", tmp_path), "outage")
    log_in(page, server, user)
    play(page, server, course)
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saved'")

    page.route(RESULT, lambda route: route.abort())
    sco(page).locator("#next").click()
    sco(page).locator("#next").click()  # page 3 of 4: progress_measure 0.75
    page.wait_for_function(
        "() => document.querySelector('#save-status').textContent === 'Offline — will retry'"
    )
    assert recorded(server, course, user).sco()["location"] != "3/4"

    # The answer is lost after the server stored the commit: the retry must not count twice.
    lost: list[str] = []
    lose = {"reason": "commit"}

    def store_then_fail(route: Any) -> None:
        reason = route.request.post_data_json["reason"]
        if not lost and reason == lose["reason"]:
            lost.append(reason)
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.unroute(RESULT)
    page.route(RESULT, store_then_fail)
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saved'")
    state = wait_for_state(page, server, course, lambda s: sco_progress(s) == 75)
    assert state["status"] == "In Progress"
    record = recorded(server, course, user)
    assert record.sco()["location"] == "3/4"
    # Two successful deliveries of the same payload would show as two commits of one seq.
    commits = [e["data"]["seq"] for e in record.kinds("commit")]
    assert len(commits) == len(set(commits)) == record.sco()["commits"]

    # Finish while answers are lost: the session time is added exactly once.
    lost.clear()
    lose["reason"] = "finish"
    sco(page).locator("#finish").click()
    page.wait_for_selector("#ended:not([hidden])")
    page.wait_for_function("() => document.querySelector('#save-status').textContent === 'Saved'")
    assert lost == ["finish"]
    record = recorded(server, course, user)
    assert len(record.kinds("finish")) == 1
    stored = record.sco()
    assert stored["total_time"] not in ("", "PT0S") and stored["exit"] == "suspend"


def test_a_tab_closed_while_commits_fail_delivers_on_the_next_launch(
    live_server_proc: LiveServer, page: Any, tmp_path: Path
) -> None:
    server = live_server_proc
    user, course = learner_in_course(server, example("progress2004", tmp_path), "closed")
    log_in(page, server, user)
    play(page, server, course)
    sco(page).locator("#next").click()
    wait_for_state(page, server, course, lambda s: sco_progress(s) == 50)

    context = page.context
    context.route(RESULT, lambda route: route.abort())
    sco(page).locator("#next").click()  # last Commit: page 3 of 4
    page.wait_for_function(
        "() => document.querySelector('#save-status').textContent === 'Offline — will retry'"
    )
    # A closing page's keepalive requests bypass Playwright's routing and offline emulation;
    # losing the session cookie makes them fail (401) just as surely.
    context.clear_cookies()
    page.close()  # the SCO terminates from its pagehide handler: that commit fails too
    time.sleep(1)
    assert recorded(server, course, user).sco()["location"] == "2/4"
    context.unroute(RESULT)
    log_in(context.new_page(), server, user)

    page = context.new_page()
    play(page, server, course)
    # The journal was replayed before start, so the preload already has the last state.
    assert api_get(page, "cmi.entry") == "resume"
    assert api_get(page, "cmi.location") == "3/4"
    state = wait_for_state(page, server, course, lambda s: sco_progress(s) == 75)
    assert state["status"] == "In Progress"
    record = recorded(server, course, user)
    stored = record.sco()
    assert stored["location"] == "3/4" and stored["total_time"] not in ("", "PT0S")
    assert len(record.kinds("finish")) == 1
