"""README "Production" shows the HAProxy configuration that tests/hosts runs, line for line
(only the addresses differ), so the documented recipe is the tested one."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tests.hosts.cluster import haproxy_config


def test_the_readme_shows_the_haproxy_configuration_the_tests_run() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```haproxy\n(.*?)```", section, re.DOTALL)
    assert block, 'README "Production" has no ```haproxy block'
    servers = [("app1", "10.0.0.11:8000"), ("app2", "10.0.0.12:8000")]
    documented = haproxy_config(bind=":80", servers=servers, check_host="lms.example.org")
    assert block.group(1) == documented
