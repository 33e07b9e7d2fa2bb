"""Bugs the hardening tests found and that are not fixed yet: one entry per root cause.

Each bug has minimal reproductions in ``test_known_bugs.py``, marked ``xfail(strict=True)`` on
the databases where it shows, so CI stays green while the bug is tracked and turns red the
moment it is fixed. The fuzz strategies leave out the inputs of an open bug (otherwise every
fuzz test would keep finding it and nothing else). Fixing a bug: delete its entry here; its
reproductions then run as ordinary tests and the fuzzers generate those inputs again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection

BOTH = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True)
class Bug:
    summary: str
    databases: frozenset[str] = BOTH

    @property
    def open_here(self) -> bool:
        return connection.vendor in self.databases


KNOWN_BUGS: dict[str, Bug] = {}


def is_open(name: str) -> bool:
    return name in KNOWN_BUGS and KNOWN_BUGS[name].open_here


def known_bug(name: str, databases: frozenset[str] | None = None) -> pytest.MarkDecorator:
    """``xfail(strict=True)`` while bug ``name`` is open on this database.

    ``databases`` narrows it for a reproduction that only fails on some of the bug's databases.
    """
    bug = KNOWN_BUGS.get(name)
    if bug is None:  # fixed: the reproduction is an ordinary test now
        return pytest.mark.xfail(False, reason=f"bug {name} is fixed")
    where = bug.databases if databases is None else databases & bug.databases
    return pytest.mark.xfail(
        connection.vendor in where, reason=f"bug {name}: {bug.summary}", strict=True
    )
