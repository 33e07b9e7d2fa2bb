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

import lzma
from dataclasses import dataclass

import pytest
from django.db import connection

BOTH = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True)
class Bug:
    summary: str
    # Exception types and a piece of their message: how the bug shows in a traceback.
    raises: tuple[tuple[type[BaseException], str], ...]
    databases: frozenset[str] = BOTH

    @property
    def open_here(self) -> bool:
        return connection.vendor in self.databases


KNOWN_BUGS: dict[str, Bug] = {
    "zip-errors-escape": Bug(
        "extract_package lets exceptions of zipfile and the decompressors escape instead of "
        "raising PackageError, so POST /api/courses answers 500 for: a zip missing its first "
        "bytes (ValueError 'negative seek value -1' from ZipFile.open); a damaged bzip2 entry "
        "(OSError 'Invalid data stream'); a damaged LZMA entry (lzma.LZMAError 'Corrupt input "
        "data'); a central directory entry whose 'version needed to extract' is above 6.3 "
        "(NotImplementedError 'zip file version 25.5' from ZipFile()).",
        raises=(
            (ValueError, "negative seek value"),
            (OSError, "Invalid data stream"),
            (lzma.LZMAError, ""),
            (NotImplementedError, "zip file version"),
        ),
    ),
}


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
