"""The package store contract, written once and run against every backend (like Django's
``SessionTestsMixin`` in tests/sessions_tests/tests.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scormlms.courses.storage import FileSystemPackageStore, PackageStore, get_store


class PackageStoreContract:
    """Subclasses provide ``store``; every test here must pass for every backend."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> PackageStore:
        raise NotImplementedError

    @pytest.fixture
    def installed(self, store: PackageStore) -> str:
        staging = store.staging_dir()
        folder = staging / "package"
        (folder / "media").mkdir(parents=True)
        (folder / "index.html").write_bytes(b"<html>hello</html>")
        (folder / "media" / "clip.mp4").write_bytes(bytes(range(256)) * 4)
        (folder / "empty.txt").write_bytes(b"")
        store.install(folder, "course-a/v1")
        staging.rmdir()  # the caller's job, as in course_import
        return "course-a/v1"

    def test_staging_dirs_are_new_and_empty(self, store: PackageStore) -> None:
        first, second = store.staging_dir(), store.staging_dir()
        assert first != second
        assert first.is_dir() and list(first.iterdir()) == []

    def test_stat_of_installed_files(self, store: PackageStore, installed: str) -> None:
        info = store.stat(installed, "media/clip.mp4")
        assert info is not None and info.size == 1024
        assert info.modified.tzinfo is not None
        assert abs(info.modified - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
        empty = store.stat(installed, "empty.txt")
        assert empty is not None and empty.size == 0

    def test_open_reads_and_seeks(self, store: PackageStore, installed: str) -> None:
        with store.open(installed, "index.html") as fh:
            assert fh.read() == b"<html>hello</html>"
            fh.seek(6)
            assert fh.read(5) == b"hello"

    def test_missing_files_and_folders_are_none(self, store: PackageStore, installed: str) -> None:
        assert store.stat(installed, "nope.html") is None
        assert store.stat(installed, "media") is None  # a folder is never a file
        assert store.stat(installed, "media/") is None
        assert store.stat("course-b/v1", "index.html") is None
        with pytest.raises(FileNotFoundError):
            store.open(installed, "nope.html")
        with pytest.raises(FileNotFoundError):
            store.open(installed, "media")

    @pytest.mark.parametrize(
        "path",
        [
            "",
            ".",
            "..",
            "../v1/index.html",
            "media/../../course-a/v1/index.html",
            "/etc/passwd",
            "//etc/passwd",
            "media\\clip.mp4",
            "..\\index.html",
            "index.html\x00.png",
            "./index.html/..",
        ],
    )
    def test_escaping_paths_are_none(self, store: PackageStore, installed: str, path: str) -> None:
        assert store.stat(installed, path) is None
        with pytest.raises(FileNotFoundError):
            store.open(installed, path)

    def test_remove(self, store: PackageStore, installed: str) -> None:
        store.remove(installed)
        assert store.stat(installed, "index.html") is None
        store.remove(installed)  # removing twice is harmless
        store.remove("never/installed")

    def test_versions_are_independent(self, store: PackageStore, installed: str) -> None:
        folder = store.staging_dir() / "package"
        folder.mkdir()
        (folder / "index.html").write_bytes(b"v2")
        store.install(folder, "course-a/v2")
        store.remove(installed)
        with store.open("course-a/v2", "index.html") as fh:
            assert fh.read() == b"v2"

    @pytest.mark.parametrize("key", ["", ".", "..", "../x", "/abs", "a/../..", ".incoming-x"])
    def test_unsafe_keys_are_refused(self, store: PackageStore, key: str) -> None:
        with pytest.raises(ValueError):
            store.remove(key)
        folder = store.staging_dir()
        with pytest.raises(ValueError):
            store.install(folder, key)


class TestFileSystemPackageStore(PackageStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> PackageStore:
        return FileSystemPackageStore(tmp_path / "packages")

    def test_files_live_under_the_root(self, store: PackageStore, installed: str) -> None:
        assert isinstance(store, FileSystemPackageStore)
        assert (store.root / installed / "media" / "clip.mp4").is_file()

    def test_remove_drops_the_empty_course_folder(
        self, store: PackageStore, installed: str
    ) -> None:
        assert isinstance(store, FileSystemPackageStore)
        store.remove(installed)
        assert list(store.root.iterdir()) == []

    def test_symlinks_inside_the_root_are_not_followed(
        self, store: PackageStore, installed: str, tmp_path: Path
    ) -> None:
        assert isinstance(store, FileSystemPackageStore)
        secret = tmp_path / "secret.txt"
        secret.write_text("secret")
        (store.root / installed / "link.txt").symlink_to(secret)
        assert store.stat(installed, "link.txt") is None

    def test_default_root_is_the_setting(self, settings: object, tmp_path: Path) -> None:
        store = get_store()
        assert isinstance(store, FileSystemPackageStore)
        assert store.root == tmp_path / "packages"  # tests/conftest.py points it there
