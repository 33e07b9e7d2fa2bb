"""Hardening tests (issue 7): fuzzing, the authorization matrix, crash safety, concurrency.

Environment
-----------
``SCORMLMS_FUZZ``
    ``ci`` (the default): every fuzz test runs a fixed, seeded set of examples
    (``derandomize=True``), so CI is reproducible and the whole folder stays well under two
    minutes on two cores. ``long``: fifty times as many examples per test from a random seed
    (Hypothesis prints the ``@reproduce_failure`` blob of a failure; ``--hypothesis-seed=N``
    repeats a run), a soak of about half an hour::

        SCORMLMS_FUZZ=long .venv/bin/pytest tests/hardening -m fuzz

``DATABASE_URL``
    As everywhere: unset runs on SQLite, a ``postgres://`` URL on PostgreSQL. The tests that
    start the production server give it a fresh database (dropped afterwards) or a fresh
    SQLite file.

Markers: ``fuzz`` (property-based tests), ``server`` (tests against the real production server,
``scormlms serve``).
The profiles are applied per test through :func:`fuzz_settings`, never loaded globally, so the
other folders' Hypothesis tests keep their own defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.hardening.server import Browser, ProdServer, drop_postgres, fresh_postgres

FUZZ_MODE = os.environ.get("SCORMLMS_FUZZ", "ci")
if FUZZ_MODE not in {"ci", "long"}:
    raise pytest.UsageError(f"SCORMLMS_FUZZ must be 'ci' or 'long', not {FUZZ_MODE!r}")
LONG_FACTOR = 50

_COMMON = {
    "deadline": None,
    "print_blob": True,
    # Requests against a real database are slow by Hypothesis' standards, and some inputs
    # (megabyte bodies, zip archives) are large on purpose.
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile("scormlms-ci", derandomize=True, **_COMMON)
settings.register_profile("scormlms-long", derandomize=False, database=None, **_COMMON)


def fuzz_settings(examples: int) -> settings:
    """The settings of one fuzz test: ``examples`` in CI, fifty times as many when long."""
    profile = settings.get_profile(f"scormlms-{FUZZ_MODE}")
    factor = LONG_FACTOR if FUZZ_MODE == "long" else 1
    return settings(profile, max_examples=examples * factor)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: property-based test (SCORMLMS_FUZZ=long: soak)")
    config.addinivalue_line("markers", "server: runs against the real production server")


# ---------------------------------------------------------------------------- real server

LEARNER = ("ana", "ana-pass-7")
# Each server test works in a course of its own, so they can run in any order.
SERVER_COURSES = ("crash", "race-start", "race-seq", "race-cert", "servers")

_SETUP = """
import json
from django.contrib.auth import get_user_model
from scormlms.courses.models import Enrolment
from scormlms.courses.services import course_import
user = get_user_model().objects.create_user({username!r}, password={password!r})
for course_id in {courses!r}:
    course = course_import(source={package!r}, course_id=course_id).course
    Enrolment.objects.create(learner=user, course=course)
print(json.dumps("ok"))
"""


@pytest.fixture(scope="session")
def prod_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdServer]:
    """The production server with two worker processes, a learner and one course per test.

    On PostgreSQL it gets a fresh database; on SQLite a fresh file in its data dir.
    """
    from tests.scorm.zipfactory import package, write

    data_dir = tmp_path_factory.mktemp("hardening-server")
    env = {**os.environ, "SCORMLMS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)
    admin_url = os.environ.get("DATABASE_URL", "")
    pg_name = None
    if admin_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], pg_name = fresh_postgres(admin_url)
    server = ProdServer(data_dir, env, workers=2)
    try:
        server.manage("migrate", "-v0")
        zip_path = write(data_dir / "course12.zip", package())
        username, password = LEARNER
        server.shell_json(
            _SETUP.format(
                username=username,
                password=password,
                courses=SERVER_COURSES,
                package=str(zip_path),
            )
        )
        server.start()
        yield server
    finally:
        server.stop()
        if pg_name:
            drop_postgres(admin_url, pg_name)


@pytest.fixture(scope="session")
def prod_learner(prod_server: ProdServer) -> Browser:
    """The learner, logged in once through the login form (password hashing is slow)."""
    browser = Browser(prod_server.url)
    browser.login(*LEARNER)
    return browser
