"""Staff upload page in Chromium against the production server: a golf package imports with a
progress indicator and shows up in the table; a broken zip gives a readable error, not a 500."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer, login
from tests.conftest import CORPUS

pytestmark = pytest.mark.browser

PASSWORD = "staff-pass-1"
GOLF = CORPUS / "ContentPackagingSingleSCO_SCORM12.zip"


@pytest.fixture
def staff_page(live_server_proc: LiveServer, page: Any) -> Any:
    """A staff user logged in on the course list page (a new user per test)."""
    name = f"staff-{uuid.uuid4().hex[:8]}"
    live_server_proc.manage("adduser", name, "--password", PASSWORD, "--staff")
    login(page, live_server_proc, name, PASSWORD)
    page.wait_for_url(f"{live_server_proc.url}/")
    page.goto(f"{live_server_proc.url}/staff/courses/")
    return page


# Records whether the progress indicator was ever shown and the last message shown: a small
# upload finishes (and the page reloads after success) faster than a test can look.
WATCH = """() => {
  window.progressSeen = false;
  window.resultSeen = "";
  const box = document.getElementById("upload-progress");
  const result = document.getElementById("upload-result");
  new MutationObserver(() => { if (!box.hidden) window.progressSeen = true; })
    .observe(box, {attributes: true});
  new MutationObserver(() => { window.resultSeen = result.textContent; })
    .observe(result, {childList: true, subtree: true});
}"""


def upload(page: Any, path: Path) -> Any:
    """Choose ``path`` and submit; returns the API response the page received."""
    page.set_input_files("#id_file", str(path))
    page.evaluate(WATCH)
    with page.expect_response(lambda r: r.url.endswith("/api/courses")) as answer:
        page.click("#upload-form button[type=submit]")
    page.wait_for_function("() => window.progressSeen === true")
    return answer.value


def shown_message(page: Any) -> str:
    page.wait_for_function("() => window.resultSeen !== ''")
    return str(page.evaluate("() => window.resultSeen"))


def test_staff_uploads_a_golf_package(staff_page: Any, live_server_proc: LiveServer) -> None:
    from playwright.sync_api import expect

    if not GOLF.is_file():
        pytest.skip(f"golf sample corpus not found at {CORPUS}")
    page = staff_page
    expect(page.locator("h1")).to_have_text("Courses")
    response = upload(page, GOLF)
    assert response.status == 201
    course_id = response.json()["courseId"]
    assert re.fullmatch(r"com-scorm-golfsamples-contentpackaging-singlesco-12(-\d+)?", course_id)
    assert shown_message(page) == f"Imported Golf Explained - CP Single SCO ({course_id})"
    # The page reloads and lists the new course, with its way to the enrol page.
    row = page.locator(f'tr[data-course-id="{course_id}"]')
    expect(row).to_contain_text("Golf Explained - CP Single SCO", timeout=10_000)
    expect(row).to_contain_text("SCORM 1.2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-courses.png"), full_page=True)
    link = row.get_by_role("link", name="Enrol learners in Golf Explained - CP Single SCO")
    link.focus()  # reachable and usable from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server_proc.url}/staff/courses/{course_id}/enrol/")
    expect(page.locator("h1")).to_have_text("Enrol learners in Golf Explained - CP Single SCO")
    expect(page.get_by_label("Usernames (one per line, or separated by commas)")).to_be_visible()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a zip file", "Import failed: The uploaded file is not a zip archive"),
        (b"PK\x03\x04 cut off", "Import failed: The zip archive is truncated or damaged"),
    ],
)
def test_broken_zip_shows_a_readable_error(
    staff_page: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    from playwright.sync_api import expect

    page = staff_page
    broken = tmp_path / "broken.zip"
    broken.write_bytes(content)
    rows_before = page.locator("#course-table tbody tr").count()
    response = upload(page, broken)
    assert response.status == 400
    assert response.json()["field"] == "file"
    assert shown_message(page).startswith(message)
    alert = page.locator("#upload-result")
    expect(alert).to_contain_text(message)
    expect(alert).to_have_attribute("role", "alert")
    expect(page.locator("#upload-progress")).to_be_hidden()
    expect(page.locator("#upload-form button[type=submit]")).to_be_enabled()
    assert page.locator("#course-table tbody tr").count() == rows_before
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-upload-error.png"))
