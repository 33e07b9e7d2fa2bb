"""Serves scorm-again's browser builds straight from the npm-installed package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

# Static path prefix → the files we take from node_modules/scorm-again/dist.
PREFIX = "scorm-again"
FILES = ("scorm12.min.js", "scorm2004.min.js")


class ScormAgainFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.dist = Path(settings.SCORM_AGAIN_DIST)
        self.storage = FileSystemStorage(location=str(self.dist))
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        missing = [name for name in FILES if not (self.dist / name).is_file()]
        if missing:
            return [
                Error(
                    f"scorm-again is not installed: {', '.join(missing)} missing in {self.dist}",
                    hint="Run `npm ci` in the repository root.",
                    id="scormlms.E001",
                )
            ]
        return []

    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str] | None:
        prefix, _, name = path.partition("/")
        if prefix == PREFIX and name in FILES and (self.dist / name).is_file():
            found = str(self.dist / name)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name in FILES:
            if (self.dist / name).is_file():
                yield name, self.storage
