"""Bugs the hardening tests found that are not fixed yet: one entry per root cause.

Each open bug has minimal reproductions in ``test_regressions.py`` marked with
:func:`known_bug`, an ``xfail(strict=True)`` on the databases where it shows: CI stays green
while the bug is tracked and turns red the moment it is fixed. Each bug also names the
exception it raises, so a fuzz example that runs into it is recognised and passed over
(:func:`open_bug_behind`) while the fuzzers keep looking for new ones.

Fixing a bug: delete its entry here and its ``known_bug`` marks; the reproductions stay as the
regression tests of the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection

BOTH = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True)
class Bug:
    summary: str
    # Exception types and a piece of their message: how the bug shows in a traceback (none
    # for a bug that is a wrong answer rather than a crash).
    raises: tuple[tuple[type[BaseException], str], ...] = ()
    databases: frozenset[str] = BOTH

    @property
    def open_here(self) -> bool:
        return connection.vendor in self.databases


# None open. Fixed so far (their reproductions are in test_regressions.py): lone surrogates,
# NUL on PostgreSQL, deep JSON, superscript page numbers (a865d82); zipfile and decompressor
# exceptions escaping extract_package (63f2c28); bare 405s of the JSON endpoints (86d2bbf).
KNOWN_BUGS: dict[str, Bug] = {}


def is_open(name: str) -> bool:
    return name in KNOWN_BUGS and KNOWN_BUGS[name].open_here


def open_bug_behind(error: BaseException | None) -> str | None:
    """The name of the open bug that raised ``error`` (or one of its causes), if any."""
    while error is not None:
        for name, bug in KNOWN_BUGS.items():
            for kind, message in bug.raises:
                if bug.open_here and isinstance(error, kind) and message in str(error):
                    return name
        error = error.__cause__ or error.__context__
    return None


def known_bug(name: str) -> pytest.MarkDecorator:
    """``xfail(strict=True)`` where bug ``name`` shows."""
    bug = KNOWN_BUGS[name]
    return pytest.mark.xfail(bug.open_here, reason=f"bug {name}: {bug.summary}", strict=True)
