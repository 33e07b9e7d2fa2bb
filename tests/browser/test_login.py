from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer, login

pytestmark = pytest.mark.browser


def test_login_through_the_form_shows_the_empty_dashboard(
    live_server_proc: LiveServer, page: object
) -> None:
    live_server_proc.manage("adduser", "lena", "--password", "lena-pass-1")
    login(page, live_server_proc, "lena", "lena-pass-1")
    page.wait_for_url(f"{live_server_proc.url}/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "My courses"  # type: ignore[attr-defined]
    assert "not enrolled in any course" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert page.locator(".who").inner_text() == "lena"  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-empty.png"))  # type: ignore[attr-defined]


def test_wrong_password_shows_a_message(live_server_proc: LiveServer, page: object) -> None:
    live_server_proc.manage("adduser", "omar", "--password", "omar-pass-1")
    login(page, live_server_proc, "omar", "not-his-password")
    alert = page.locator("[role=alert]")  # type: ignore[attr-defined]
    assert "enter a correct username and password" in alert.inner_text().lower()


def test_scorm_again_is_served_by_the_production_server(
    live_server_proc: LiveServer, page: object
) -> None:
    for name in ("scorm12.min.js", "scorm2004.min.js"):
        response = page.request.get(f"{live_server_proc.url}/static/scorm-again/{name}")  # type: ignore[attr-defined]
        assert response.status == 200
        assert "javascript" in response.headers["content-type"]
        assert len(response.body()) > 10_000
