"""The README's dashboard screenshot, made from the project's own demo.

Runs ``scormlms demo --no-serve`` in a throwaway data dir (SQLite), serves it, lets the demo
learner pass one course and get half-way through another through the player's HTTP API, and
photographs the dashboard. The picture goes to ``test-artifacts/screenshots/``; with
``SCORMLMS_UPDATE_DOCS=1`` it also replaces ``docs/screenshot-dashboard.png``:

    SCORMLMS_UPDATE_DOCS=1 .venv/bin/pytest tests/browser/test_dashboard_demo.py
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, _free_port, login, serving
from tests.browser.test_dashboard import SCREENSHOTS, api_result, api_start
from tests.conftest import REPO

pytestmark = pytest.mark.browser

DOCS_SCREENSHOT = REPO / "docs" / "screenshot-dashboard.png"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("demo-data")
    env = {**os.environ, "SCORMLMS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    port = _free_port()
    server = LiveServer(url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir)
    if not (REPO / "examples" / "build.py").is_file():
        pytest.skip("examples/ is absent: the demo has no courses to show")
    server.manage("demo", "--no-serve")
    with serving(server, port, workers=1):
        yield server


def test_demo_dashboard_screenshot(demo_server: LiveServer, page: Any) -> None:
    from playwright.sync_api import expect

    server = demo_server
    login(page, server, "learner", "learner-demo")
    page.wait_for_url(f"{server.url}/")
    cards = page.locator("article.course-card")
    expect(cards).to_have_count(4)

    quiz = api_start(page, server, "quiz12")
    api_result(
        page,
        server,
        quiz,
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"},
        reason="finish",
    )
    progress = api_start(page, server, "progress2004")
    api_result(
        page,
        server,
        progress,
        {"cmi.completion_status": "incomplete", "cmi.progress_measure": "0.4"},
    )
    page.reload()
    expect(page.locator('[data-course-id="quiz12"] .status')).to_have_text("Passed")
    expect(page.locator('[data-course-id="progress2004"] .primary-action')).to_have_text("Resume")
    expect(page.locator('[data-course-id="multisco2004"] .primary-action')).to_have_text("Start")

    page.set_viewport_size({"width": 1280, "height": 480})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "demo-dashboard.png"
    page.screenshot(path=str(shot))
    if os.environ.get("SCORMLMS_UPDATE_DOCS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)
    assert Path(shot).stat().st_size > 10_000
