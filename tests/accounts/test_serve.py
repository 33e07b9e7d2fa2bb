"""``scormlms serve`` picks its server from ``--server`` or ``SCORMLMS_SERVER`` and refuses any
other name with a readable error before it starts anything. (Both servers really running is
tests/hardening/test_servers.py.)"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from scormlms.accounts.management.commands import serve


def test_an_unknown_server_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORMLMS_SERVER", "uwsgi")
    with pytest.raises(
        CommandError, match="SCORMLMS_SERVER must be one of granian, gunicorn, not 'uwsgi'"
    ):
        call_command("serve", "--no-collectstatic")


def test_an_unknown_server_on_the_command_line_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'uwsgi'"):
        call_command("serve", "--no-collectstatic", "--server", "uwsgi")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("granian", ["--host=0.0.0.0", "--port=8123", "--workers=3", "--blocking-threads=5"]),
        ("gunicorn", ["--bind=0.0.0.0:8123", "--workers=3", "--threads=5"]),
    ],
)
def test_each_server_gets_the_address_and_sizes(name: str, expected: list[str]) -> None:
    argv = serve.SERVERS[name](host="0.0.0.0", port=8123, workers=3, threads=5)
    assert argv[1:3] == ["-m", name]
    assert "scormlms.wsgi:application" in argv
    assert set(expected) <= set(argv), argv
