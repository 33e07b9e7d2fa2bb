"""The learner's course card in Chromium against the production server.

The learner's attempt is produced through the same HTTP API the player uses (start, result,
discard, with the page's own cookies and CSRF token), so these tests need no player; the last
test goes through the real player. The card must follow every change without a manual reload.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from typing import Any

import pytest

from scormlms.scorm.datamodel import KEY_FIELDS
from tests.browser.conftest import ARTIFACTS, LiveServer, login
from tests.browser.helpers import home_url
from tests.conftest import CORPUS

pytestmark = pytest.mark.browser

PASSWORD = "dash-pass-1"
GOLF12 = CORPUS / "RuntimeBasicCalls_SCORM12.zip"
GOLF_TITLE = "Golf Explained - Run-time Basic Calls"
SCREENSHOTS = ARTIFACTS / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}
_n = itertools.count(1)


# ------------------------------------------------------------------ helpers (shared with staff)


def golf12() -> str:
    if not GOLF12.is_file():
        pytest.skip(f"golf corpus package {GOLF12} is absent (see shared/corpus/README.md)")
    return str(GOLF12)


def golf_learner(server: LiveServer, stem: str) -> tuple[str, str]:
    """A fresh learner enrolled in a fresh import of the golf 1.2 package: (user, course)."""
    n = next(_n)
    user, course_id = f"{stem}-learner{n}", f"{stem}-golf{n}"
    server.manage("import", golf12(), "--course-id", course_id)
    server.manage("adduser", user, "--password", PASSWORD)
    server.manage("enrol", user, course_id)
    return user, course_id


def log_in(page: Any, server: LiveServer, user: str) -> None:
    login(page, server, user, PASSWORD)
    page.wait_for_url(f"{server.url}/")


def _post(page: Any, url: str, body: dict[str, Any]) -> dict[str, Any]:
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        url,
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    assert response.status == 200, response.text()
    return dict(response.json())


def api_start(page: Any, server: LiveServer, course_id: str) -> dict[str, Any]:
    """``POST /lms/attempt/start`` as the player sends it when it opens."""
    started = _post(page, f"{server.url}/lms/attempt/start", {"courseId": course_id})
    started["courseId"] = course_id
    started["nextSeq"] = started["launch"]["seq"] + 1
    return started


def api_result(
    page: Any,
    server: LiveServer,
    started: dict[str, Any],
    values: dict[str, str],
    *,
    reason: str = "commit",
    cmi: dict[str, Any] | None = None,
    log: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``POST /api/scorm/result``: one Commit (or Finish) with every key field."""
    launch = started["launch"]
    body: dict[str, Any] = {
        "learnerId": launch["learnerId"],
        "courseId": started["courseId"],
        "attemptId": started["attemptId"],
        "itemId": launch["itemId"],
        "token": launch["token"],
        "standard": launch["standard"],
        "reason": reason,
        "seq": started["nextSeq"],
        "values": {name: values.get(name, "") for name in KEY_FIELDS[launch["standard"]]},
    }
    if cmi is not None:
        body["cmi"] = cmi
    if log is not None:
        body["log"] = log
    started["nextSeq"] += 1
    return _post(page, f"{server.url}/api/scorm/result", body)


def shoot(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone width; the phone page must not scroll
    sideways (wide tables scroll inside their own box)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        if label == "phone":
            extra = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            assert extra <= 0, f"{name} is {extra}px wider than {width}px: {page.evaluate(WIDEST)}"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


# Elements sticking out past the right edge of the viewport (to say what widens the page).
WIDEST = """() => Array.from(document.body.querySelectorAll("*"))
  .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8)
  .map(el => el.tagName.toLowerCase() + "." + el.className)"""


def tab_shown_again(page: Any) -> None:
    """What the browser does when the learner comes back to the tab: visibilitychange."""
    page.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState',"
        " {value: 'visible', configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )


def pdf_text(data: bytes) -> str:
    """The text of a PDF as poppler's pdftotext reads it (the fonts are embedded subsets whose
    text is glyph numbers in the content streams, mapped back to Unicode by the PDF)."""
    assert data.startswith(b"%PDF-")
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


# ---------------------------------------------------------------------------------- the tests


def test_the_card_follows_start_save_and_pass_without_a_reload(
    live_server_proc: LiveServer, page: Any
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    user, course_id = golf_learner(server, "card")
    log_in(page, server, user)
    card = page.locator(f'article[data-course-id="{course_id}"]')
    primary = card.locator(".primary-action")
    expect(card.get_by_role("heading")).to_have_text(GOLF_TITLE)
    expect(primary).to_have_text("Start")
    expect(primary).to_have_attribute("href", f"/courses/{course_id}/play")
    expect(card.locator(".status")).to_have_text("Not started")
    expect(card.locator("a.certificate")).to_be_hidden()
    shoot(page, "dashboard-new-learner")

    # The player starts and commits (Save & resume later) while the dashboard sits in
    # another tab; when the learner comes back to it, the card re-reads its state.
    page.evaluate("() => { window.sameDocument = true; }")
    started = api_start(page, server, course_id)
    api_result(
        page,
        server,
        started,
        {
            "cmi.core.lesson_status": "incomplete",
            "cmi.core.lesson_location": "7",
            "cmi.core.exit": "suspend",
        },
    )
    tab_shown_again(page)
    expect(primary).to_have_text("Resume")
    expect(card.locator(".status")).to_have_text("In progress")
    expect(card.locator(".progress")).not_to_have_attribute("aria-valuenow", "0")
    assert int(card.locator(".progress").get_attribute("aria-valuenow")) > 0
    assert card.locator(".progress > span").evaluate("e => e.style.width") != "0%"
    expect(card.locator(".last-activity time")).to_have_text(re.compile(r"\d{4}-\d\d-\d\d .* UTC"))
    assert page.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    shoot(page, "dashboard-in-progress")

    # The learner passes; they look at another page and come back with the Back button.
    api_result(
        page,
        server,
        started,
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"},
        reason="finish",
    )
    page.goto(f"{server.url}/courses/{course_id}/")
    page.go_back()
    expect(card.locator(".status")).to_have_text("Passed")
    expect(card.locator(".score")).to_have_text("85 %")
    expect(primary).to_have_text("Review")
    expect(card.locator(".secondary-action")).to_have_text("Start a new attempt")
    expect(card.locator(".secondary-action")).to_be_visible()
    certificate = card.locator("a.certificate")
    expect(certificate).to_be_visible()
    expect(certificate).to_have_text("Download certificate")
    shoot(page, "dashboard-passed")

    # What the script drew is what the server renders (same labels, numbers, times).
    drawn = card.inner_text()
    page.route("**/dashboard.js", lambda route: route.abort())
    page.reload()
    assert card.inner_text() == drawn
    page.unroute("**/dashboard.js")

    pdf = page.request.get(server.url + certificate.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert user in text
    assert GOLF_TITLE in text
    assert "85 %" in text


def test_a_refresh_asked_for_while_one_is_running_reads_again(
    live_server_proc: LiveServer, page: Any
) -> None:
    """The tab comes back while the previous state read is still out; that read was answered
    before the attempt started. The card must end on the newer state, not on that answer."""
    from playwright.sync_api import expect

    server = live_server_proc
    user, course_id = golf_learner(server, "race")
    log_in(page, server, user)
    card = page.locator(f'article[data-course-id="{course_id}"]')
    state_url = card.get_attribute("data-state-url")
    old = page.request.get(server.url + state_url)  # the answer from before the start
    assert old.json()["status"] == "Not Started"
    held: list[Any] = []
    page.route(f"**{state_url}", lambda route: held.append(route))

    def wait_for(count: int) -> None:
        for _ in range(100):
            if len(held) >= count:
                return
            page.wait_for_timeout(20)

    tab_shown_again(page)  # a read goes out and is held
    wait_for(1)
    assert len(held) == 1, "the dashboard did not re-read the state"
    api_start(page, server, course_id)
    tab_shown_again(page)  # asked for while the first read is still running
    held[0].fulfill(status=200, body=old.body(), headers={"Content-Type": "application/json"})
    wait_for(2)  # the read asked for meanwhile goes out now
    for route in held[1:]:
        route.continue_()
    expect(card.locator(".primary-action")).to_have_text("Resume")


def test_dont_save_on_a_fresh_attempt_brings_start_back(
    live_server_proc: LiveServer, page: Any
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    user, course_id = golf_learner(server, "discard")
    log_in(page, server, user)
    primary = page.locator(f'article[data-course-id="{course_id}"] .primary-action')
    started = api_start(page, server, course_id)
    tab_shown_again(page)
    expect(primary).to_have_text("Resume")  # an open attempt, nothing saved yet
    _post(
        page,
        f"{server.url}/lms/attempt/discard",
        {"attemptId": started["attemptId"], "token": started["launch"]["token"]},
    )
    tab_shown_again(page)
    expect(primary).to_have_text("Start")
    expect(page.locator(f'article[data-course-id="{course_id}"] .status')).to_have_text(
        "Not started"
    )


def test_course_page_checklist_attempts_and_raw_values(
    live_server_proc: LiveServer, page: Any
) -> None:
    from playwright.sync_api import expect

    server = live_server_proc
    user, course_id = golf_learner(server, "page")
    log_in(page, server, user)
    started = api_start(page, server, course_id)
    api_result(
        page,
        server,
        started,
        {"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "3"},
        cmi={"cmi": {"core": {"lesson_location": "3", "lesson_status": "incomplete"}}},
    )
    page.locator(f'article[data-course-id="{course_id}"] h2 a').click()
    page.wait_for_url(f"{server.url}/courses/{course_id}/")
    expect(page.locator("h1")).to_have_text(GOLF_TITLE)
    row = page.locator("#checklist tr[data-item-id]").first
    expect(row.locator(".status")).to_have_text("In progress")
    expect(row).to_contain_text("50 %")
    expect(page.locator("table.attempts tbody tr")).to_have_count(1)
    raw = page.locator("#raw-values")
    expect(raw.locator("table.key-values").first).to_be_hidden()  # collapsed
    raw.locator("summary").first.click()
    expect(raw.locator("table.key-values").first).to_be_visible()
    expect(raw).to_contain_text("cmi.core.lesson_location")
    raw.locator("details.cmi-tree summary").first.click()
    expect(raw.locator("details.cmi-tree pre").first).to_contain_text('"lesson_location": "3"')
    # Keyboard: the disclosure is a focusable control with a visible focus ring.
    summary = raw.locator("summary").first
    summary.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert summary.evaluate("e => e === document.activeElement")
    assert summary.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    shoot(page, "course-page")


def test_player_save_and_resume_later_updates_the_card(
    live_server_proc: LiveServer, page: Any
) -> None:
    from playwright.sync_api import expect

    from scormlms.player import urls as player_urls  # the player page exists in this build
    from tests.browser.helpers import golf_next, saved, wait_initialized

    assert player_urls.urlpatterns
    server = live_server_proc
    user, course_id = golf_learner(server, "player")
    log_in(page, server, user)
    card = page.locator(f'article[data-course-id="{course_id}"]')
    card.locator(".primary-action").click()
    page.wait_for_url(f"{server.url}/courses/{course_id}/play")
    wait_initialized(page)
    page.once("dialog", lambda dialog: dialog.accept())
    golf_next(page, 4)
    saved(page)
    shoot(page, "player")
    page.click("#save-resume")
    page.wait_for_url(home_url(server))
    expect(card.locator(".primary-action")).to_have_text("Resume")
    expect(card.locator(".status")).to_have_text("In progress")
    expect(card.locator(".progress")).not_to_have_attribute("aria-valuenow", "0")
