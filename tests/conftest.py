from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "golf"


@pytest.fixture(autouse=True)
def _data_dir(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Every test writes packages and certificates into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    settings.SCORMLMS_PACKAGE_DIR = tmp_path / "packages"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Sessions are cached (``cached_db``); a test's database rows are rolled back, so its cache
    entries go too."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium, one for the whole run: Playwright's sync API allows one instance per
    thread, and tests/browser and tests/hosts both drive it."""
    import os

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
