"""Two app hosts, proven (issue 18): the README's "Production" recipe, run for real.

One session-wide :class:`~tests.hosts.cluster.Cluster`: two network namespaces, each running
``scormlms serve``; HAProxy in front on loopback; one PostgreSQL database (a throwaway one,
over the server's Unix socket) and one Redis (the test's own) behind them. It runs on the
SQLite pass too, since it brings its own PostgreSQL database.

Skipped, with the reason, only when this machine refuses network namespaces, when haproxy is
missing and cannot be installed, or (on the SQLite pass) when PostgreSQL's socket does not
answer. Everything it made is removed when the session ends, whatever failed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.helpers import example
from tests.conftest import REPO
from tests.hosts import netns
from tests.hosts.client import PASSWORD, Learner
from tests.hosts.cluster import (
    HAPROXY,
    REDIS_SERVER,
    AppHost,
    Cluster,
    PostgresUnreachable,
    base_env,
    haproxy,
    host_env,
    redis_server,
    throwaway_database,
)

COURSE_ID = "hosts-quiz"
# One learner per test: no test sees another's sessions or attempts.
LEARNERS = [f"learner-{n}" for n in range(1, 11)]

_SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from scormlms.courses.models import Enrolment
from scormlms.courses.services import course_import
course = course_import(source={package!r}, course_id={course_id!r}).course
password = make_password({password!r})  # hashed once: each hash costs a third of a second
for name in {learners!r}:
    user = get_user_model().objects.create(username=name, password=password)
    Enrolment.objects.create(learner=user, course=course)
print(json.dumps("ok"))
"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "hosts: two app hosts in network namespaces behind HAProxy (tests/hosts)"
    )


def _installed(binary: str, package: str) -> str:
    """Empty when ``binary`` is there, after installing the Debian ``package`` if it was missing
    (``scripts/ensure-debian-packages``, as root); else the reason it is not there."""
    if os.path.exists(binary):
        return ""
    done = subprocess.run(
        [str(REPO / "scripts" / "ensure-debian-packages"), package],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if os.path.exists(binary):
        return ""
    return f"{binary} is missing and {package} could not be installed: {done.stdout}{done.stderr}"


def _on_postgres_pass() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if missing := _installed(HAPROXY, "haproxy"):
        pytest.skip(missing)
    if missing := _installed(REDIS_SERVER, "redis-server"):
        pytest.fail(missing)
    folder = tmp_path_factory.mktemp("hosts")
    package = example("quiz12", folder)  # SCORM 1.2: one SCO, no sequencing
    with contextlib.ExitStack() as stack:
        try:
            database = stack.enter_context(throwaway_database())
        except PostgresUnreachable as error:
            message = f"PostgreSQL does not answer on its Unix socket: {error}"
            if _on_postgres_pass():
                pytest.fail(message)
            pytest.skip(message)
        try:
            namespaces = stack.enter_context(netns.hosts(2))
        except (netns.NamespacesRefused, FileNotFoundError) as error:
            pytest.skip(f"this machine refuses network namespaces (ip netns add): {error}")
        redis = stack.enter_context(redis_server(folder))
        shared = folder / "shared"
        for name in ("packages", "media"):
            (shared / name).mkdir(parents=True)
        base = base_env(database_url=database, redis=redis, addresses=[ns.ip for ns in namespaces])
        hosts = [
            AppHost(f"app{n}", ns, host_env(base, folder / f"app{n}", shared, f"app{n}"), folder)
            for n, ns in enumerate(namespaces, start=1)
        ]
        for host in hosts:
            stack.callback(host.stop)  # before the namespaces go (ExitStack: last in, first out)
            host.start()  # collectstatic and the server boot overlap the migration below
        cluster = Cluster(
            hosts=hosts,
            proxy="",
            env=host_env(base, folder / "admin", shared, "admin"),
            redis=redis,
            course_id=COURSE_ID,
            folder=folder,
        )
        cluster.manage("migrate", "-v0")
        cluster.shell_json(
            _SETUP.format(
                package=str(package), course_id=COURSE_ID, password=PASSWORD, learners=LEARNERS
            )
        )
        for host in hosts:
            host.wait()
        cluster.proxy = stack.enter_context(haproxy(folder, hosts))
        cluster.wait_in_rotation()
        yield cluster


_unused = iter(LEARNERS)


@pytest.fixture
def learner(cluster: Cluster) -> Learner:
    """A learner of its own, enrolled in the course, not logged in anywhere yet."""
    return Learner(next(_unused))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
