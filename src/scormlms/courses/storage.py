"""Where package files live: a backend chosen by setting, like Django's session engines.

The importer extracts into a local folder (it must stream and check every entry), then hands the
folder to the store under a key (``<course_id>/v<version>``). Readers only use ``open``/``stat``,
so an object-store backend can replace the disk one by implementing the same four methods.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class FileInfo:
    size: int
    modified: datetime


class PackageStore:
    """Contract every backend fulfils; ``tests/courses/test_storage.py`` runs it on each."""

    def install(self, folder: Path, key: str) -> None:
        """Take ownership of the extracted ``folder`` and publish it under ``key``."""
        raise NotImplementedError

    def remove(self, key: str) -> None:
        raise NotImplementedError

    def stat(self, key: str, path: str) -> FileInfo | None:
        """Size and modification time of a regular file, or None (missing, folder, escaping)."""
        raise NotImplementedError

    def open(self, key: str, path: str) -> BinaryIO:
        raise NotImplementedError

    def staging_dir(self) -> Path:
        """A local folder on the same filesystem as the store, for extraction."""
        raise NotImplementedError


def clean_relative(path: str) -> str | None:
    """``path`` as a safe relative posix path, or None when it could leave the package."""
    if "\x00" in path or "\\" in path:
        return None
    parts = PurePosixPath(path).parts
    if not parts or parts[0] == "/" or any(p in {"..", "."} for p in parts):
        return None
    return "/".join(parts)


class FileSystemPackageStore(PackageStore):
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or settings.SCORMLMS_PACKAGE_DIR)
        self.fs = FileSystemStorage(location=str(self.root))

    def staging_dir(self) -> Path:
        path = self.root / ".incoming"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def install(self, folder: Path, key: str) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)  # same filesystem: atomic, nothing half-visible

    def remove(self, key: str) -> None:
        shutil.rmtree(self.root / key, ignore_errors=True)

    def _name(self, key: str, path: str) -> str | None:
        rel = clean_relative(path)
        return None if rel is None else f"{key}/{rel}"

    def stat(self, key: str, path: str) -> FileInfo | None:
        name = self._name(key, path)
        if name is None:
            return None
        full = Path(self.fs.path(name))
        if full.is_symlink() or not full.is_file():
            return None
        st = full.stat()
        return FileInfo(size=st.st_size, modified=self.fs.get_modified_time(name))

    def open(self, key: str, path: str) -> BinaryIO:
        name = self._name(key, path)
        if name is None:
            raise FileNotFoundError(path)
        return self.fs.open(name, "rb")  # type: ignore[return-value]


def get_store() -> PackageStore:
    backend = getattr(settings, "SCORMLMS_PACKAGE_STORE", "")
    if backend:
        store: PackageStore = import_string(backend)()
        return store
    return FileSystemPackageStore()
