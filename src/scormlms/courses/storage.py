"""Where package files live: a backend chosen by setting, like Django's session engines.

The importer extracts into a local folder (it must stream and check every entry), then hands the
folder to the store under a key (``<course_id>/v<version>-<random>``). Readers only use
``open``/``stat``, so an object-store backend can replace the disk one by implementing the same
methods; ``tests/courses/test_storage.py`` holds the contract every backend must pass.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class FileInfo:
    size: int
    modified: datetime


class PackageStore:
    """Contract every backend fulfils.

    ``key`` names one package version; ``path`` a file inside it, as a URL gives it. Neither may
    ever reach outside the store: unsafe keys raise :class:`ValueError`, unsafe paths read as
    missing.
    """

    def staging_dir(self) -> Path:
        """A new, empty local folder for extraction; the caller removes it when done."""
        raise NotImplementedError

    def install(self, folder: Path, key: str) -> None:
        """Take ownership of the extracted ``folder`` and publish it under ``key``."""
        raise NotImplementedError

    def remove(self, key: str) -> None:
        """Delete every file of ``key``; a missing key is not an error."""
        raise NotImplementedError

    def stat(self, key: str, path: str) -> FileInfo | None:
        """Size and modification time of a regular file, or None (missing, folder, escaping)."""
        raise NotImplementedError

    def open(self, key: str, path: str) -> BinaryIO:
        """The file for reading (seekable); :class:`FileNotFoundError` when ``stat`` is None."""
        raise NotImplementedError


def clean_relative(path: str) -> str | None:
    """``path`` as a safe relative posix path, or None when it could leave the package."""
    if "\x00" in path or "\\" in path:
        return None
    parts = PurePosixPath(path).parts
    if not parts or parts[0] == "/" or any(p in {"..", "."} for p in parts):
        return None
    return "/".join(parts)


def _checked_key(key: str) -> str:
    clean = clean_relative(key)
    if clean is None or clean.startswith("."):
        raise ValueError(f"Unsafe package key {key!r}.")
    return clean


class FileSystemPackageStore(PackageStore):
    """Packages as folders under ``settings.SCORMLMS_PACKAGE_DIR`` (read via Django's storage)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or settings.SCORMLMS_PACKAGE_DIR)
        self.fs = FileSystemStorage(location=str(self.root))

    def staging_dir(self) -> Path:
        # Inside the root so that install() is a rename on one filesystem; the leading dot keeps
        # it apart from course folders, whose ids start with a letter or digit.
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".incoming-", dir=self.root))

    def install(self, folder: Path, key: str) -> None:
        target = self.root / _checked_key(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)  # same filesystem: atomic, nothing half-visible

    def remove(self, key: str) -> None:
        target = self.root / _checked_key(key)
        shutil.rmtree(target, ignore_errors=True)
        parent = target.parent
        if parent != self.root:
            with contextlib.suppress(OSError):  # not empty: other versions live there
                parent.rmdir()

    def _name(self, key: str, path: str) -> str | None:
        rel = clean_relative(path)
        return None if rel is None else f"{_checked_key(key)}/{rel}"

    def stat(self, key: str, path: str) -> FileInfo | None:
        name = self._name(key, path)
        if name is None:
            return None
        full = Path(self.fs.path(name))
        if full.is_symlink() or not full.is_file():
            return None
        return FileInfo(size=full.stat().st_size, modified=self.fs.get_modified_time(name))

    def open(self, key: str, path: str) -> BinaryIO:
        if self.stat(key, path) is None:
            raise FileNotFoundError(path)
        name = self._name(key, path)
        assert name is not None
        return cast(BinaryIO, self.fs.open(name, "rb"))


def get_store() -> PackageStore:
    """The backend named by ``SCORMLMS_PACKAGE_STORE`` (a dotted path), else the disk one."""
    backend = getattr(settings, "SCORMLMS_PACKAGE_STORE", "")
    if backend:
        store: PackageStore = import_string(backend)()
        return store
    return FileSystemPackageStore()
