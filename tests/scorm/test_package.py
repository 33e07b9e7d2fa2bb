"""Safe extraction: hostile archives are refused with their own code, nothing is left."""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scormlms.scorm import package as pkg
from scormlms.scorm.errors import PackageError
from scormlms.scorm.package import GiB, Limits, MiB, extract_package
from tests.scorm import zipfactory as zf


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The folder that will hold the extracted package (empty)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def mkdtemp_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every temporary folder extract_package creates."""
    calls: list[str] = []
    real = pkg.tempfile.mkdtemp

    def spy(*args: Any, **kwargs: Any) -> Any:
        path = real(*args, **kwargs)
        calls.append(str(path))
        return path

    monkeypatch.setattr(pkg.tempfile, "mkdtemp", spy)
    return calls


def reject(
    data: bytes, tmp_path: Path, out: Path, code: str, limits: Limits | None = None
) -> PackageError:
    """Extract ``data`` and check it fails with ``code`` leaving ``out`` empty."""
    source = zf.write(tmp_path / "src" / "upload.zip", data)
    before = sorted(os.listdir(out))
    with pytest.raises(PackageError) as info:
        extract_package(source, out / "v1", limits or Limits())
    assert info.value.code == code, info.value.message
    assert sorted(os.listdir(out)) == before == [], "extraction left something behind"
    assert info.value.message.endswith((".", ")")) and len(info.value.message) > 20
    return info.value


# --------------------------------------------------------------------------- happy path


def test_extracts_valid_package(tmp_path: Path, out: Path) -> None:
    data = zf.package(("css/style.css", b"body{}"), ("media/", b""), ("a b/page 1.html", b"x"))
    source = zf.write(tmp_path / "upload.zip", data)
    result = extract_package(source, out / "v1")
    assert result.files == ["imsmanifest.xml", "index.html", "css/style.css", "a b/page 1.html"]
    assert result.manifest == zf.MANIFEST_12
    assert result.total_bytes == sum((out / "v1" / f).stat().st_size for f in result.files)
    assert (out / "v1" / "media").is_dir()
    assert (out / "v1" / "css" / "style.css").read_bytes() == b"body{}"
    assert os.listdir(out) == ["v1"], "the temporary folder must have been renamed"


def test_accepts_file_object(out: Path) -> None:
    result = extract_package(io.BytesIO(zf.package()), out / "v1")
    assert result.files == ["imsmanifest.xml", "index.html"]


def test_destination_must_not_exist(tmp_path: Path, out: Path) -> None:
    (out / "v1").mkdir()
    source = zf.write(tmp_path / "upload.zip", zf.package())
    with pytest.raises(ValueError, match="already exists"):
        extract_package(source, out / "v1")
    assert os.listdir(out) == ["v1"] and os.listdir(out / "v1") == []


def test_zip_permission_bits_are_not_applied(tmp_path: Path, out: Path) -> None:
    info = zf.special_info("run.sh", stat.S_IFREG | stat.S_ISUID | 0o777)
    source = zf.write(tmp_path / "upload.zip", zf.package((info, b"#!/bin/sh")))
    extract_package(source, out / "v1")
    mode = (out / "v1" / "run.sh").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_backslash_separators_become_folders(tmp_path: Path, out: Path) -> None:
    source = zf.write(tmp_path / "upload.zip", zf.package(("images\\logo.png", b"png")))
    result = extract_package(source, out / "v1")
    assert "images/logo.png" in result.files
    assert (out / "v1" / "images" / "logo.png").read_bytes() == b"png"


def test_small_files_that_compress_well_pass_the_ratio_check(tmp_path: Path, out: Path) -> None:
    # 512 KiB of spaces compresses about 1000 times, but sits under ratio_min_bytes.
    source = zf.write(tmp_path / "upload.zip", zf.package(("blank.css", b" " * (512 * 1024))))
    assert "blank.css" in extract_package(source, out / "v1").files


# --------------------------------------------------------------------------- not a zip


def test_not_a_zip(tmp_path: Path, out: Path) -> None:
    err = reject(b"<html>this is a web page</html>", tmp_path, out, pkg.NOT_ZIP)
    assert "not a zip" in err.message


def test_png_is_not_a_zip(tmp_path: Path, out: Path) -> None:
    reject(b"\x89PNG\r\n\x1a\n" + bytes(200), tmp_path, out, pkg.NOT_ZIP)


def test_truncated_zip(tmp_path: Path, out: Path) -> None:
    data = zf.package(("big.txt", os.urandom(20_000)))
    err = reject(data[: len(data) // 2], tmp_path, out, pkg.CORRUPT_ZIP)
    assert "truncated" in err.message


def test_damaged_entry_data(tmp_path: Path, out: Path) -> None:
    data = bytearray(zf.package(("data.bin", bytes(range(256)) * 200)))
    start = data.find(b"data.bin") + len(b"data.bin") + 10
    data[start : start + 40] = b"\xff" * 40
    reject(bytes(data), tmp_path, out, pkg.CORRUPT_ZIP)


def test_bad_crc(tmp_path: Path, out: Path) -> None:
    data = zf.patch_entry(zf.package(("a.txt", b"hello" * 100)), "a.txt", crc=1234)
    err = reject(data, tmp_path, out, pkg.CORRUPT_ZIP)
    assert "CRC" in err.message


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "lessons/../../evil.txt", "..\\evil.txt", "a\\..\\..\\evil.txt"],
)
def test_zip_slip(tmp_path: Path, out: Path, name: str) -> None:
    err = reject(zf.package((name, b"pwned")), tmp_path, out, pkg.ZIP_SLIP)
    assert "'..'" in err.message and "outside" in err.message
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize(
    "name", ["/etc/x", "C:\\Windows\\x.dll", "c:/x", "\\\\server\\share\\x", "//server/x"]
)
def test_absolute_paths(tmp_path: Path, out: Path, name: str) -> None:
    err = reject(zf.package((name, b"x")), tmp_path, out, pkg.ABSOLUTE_PATH)
    assert "absolute" in err.message


def test_control_characters_in_name(tmp_path: Path, out: Path) -> None:
    reject(zf.package(("bad\x07name.html", b"x")), tmp_path, out, pkg.UNSAFE_NAME)


def test_overlong_name(tmp_path: Path, out: Path) -> None:
    reject(zf.package(("a" * 300 + ".html", b"x")), tmp_path, out, pkg.UNSAFE_NAME)


def test_symlink(tmp_path: Path, out: Path) -> None:
    err = reject(
        zf.package((zf.symlink_info("passwd"), b"/etc/passwd")), tmp_path, out, pkg.SYMLINK
    )
    assert "'passwd'" in err.message and "symbolic link" in err.message


@pytest.mark.parametrize("kind", [stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK])
def test_devices_and_fifos(tmp_path: Path, out: Path, kind: int) -> None:
    info = zf.special_info("dev/thing", kind | 0o644)
    reject(zf.package((info, b"")), tmp_path, out, pkg.SPECIAL_FILE)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("page.html", "page.html"),  # exact duplicate
        ("a/page.html", "a\\page.html"),  # same after separator normalisation
        ("a/./page.html", "a/page.html"),  # same after dot-segment removal
        ("a//page.html", "a/page.html"),
        ("caf\u00e9.html", "cafe\u0301.html"),  # NFC vs NFD
        ("Page.html", "page.html"),  # differ only in case
    ],
)
def test_duplicate_names(tmp_path: Path, out: Path, first: str, second: str) -> None:
    err = reject(zf.package((first, b"one"), (second, b"two")), tmp_path, out, pkg.DUPLICATE_NAME)
    assert "page" in err.message or "caf" in err.message


def test_file_and_folder_with_the_same_name(tmp_path: Path, out: Path) -> None:
    err = reject(
        zf.package(("lesson", b"file"), ("lesson/page.html", b"x")),
        tmp_path,
        out,
        pkg.DUPLICATE_NAME,
    )
    assert "'lesson'" in err.message


def test_encrypted_entry(tmp_path: Path, out: Path) -> None:
    data = zf.patch_entry(zf.package(("secret.html", b"x" * 50)), "secret.html", flag_bits=1)
    err = reject(data, tmp_path, out, pkg.ENCRYPTED_ENTRY)
    assert "'secret.html'" in err.message and "password" in err.message


def test_unsupported_compression(tmp_path: Path, out: Path) -> None:
    data = zf.patch_entry(zf.package(("a.html", b"x" * 50)), "a.html", method=9)  # deflate64
    reject(data, tmp_path, out, pkg.UNSUPPORTED_COMPRESSION)


# --------------------------------------------------------------------------- limits


def test_ten_gigabyte_declared_size_is_refused_from_the_central_directory(
    tmp_path: Path, out: Path, mkdtemp_calls: list[str]
) -> None:
    """Ten entries that claim 1 GiB each: refused before anything is written."""
    entries = [(f"part{i}.bin", bytes(1024)) for i in range(10)]
    data = zf.package(*entries)
    for name, _ in entries:
        data = zf.patch_entry(data, name, file_size=GiB)
    # Plain size logic (the ratio check would fire first with the default max_ratio).
    err = reject(data, tmp_path, out, pkg.TOO_LARGE, Limits(max_ratio=1e12, max_total_bytes=GiB))
    assert "10.0 GB" in err.message and "1.0 GB" in err.message
    assert mkdtemp_calls == []
    # With the default limits the compression ratio gives it away.
    err = reject(data, tmp_path, out, pkg.SUSPICIOUS_COMPRESSION)
    assert "zip bomb" in err.message
    assert mkdtemp_calls == []


def test_real_zero_bomb_is_refused_before_extraction(
    tmp_path: Path, out: Path, mkdtemp_calls: list[str]
) -> None:
    data = zf.zero_bomb(64 * MiB)  # about 64 KB on disk
    assert len(data) < MiB
    err = reject(data, tmp_path, out, pkg.SUSPICIOUS_COMPRESSION)
    assert "'zeros.bin'" in err.message and "64.0 MB" in err.message
    assert mkdtemp_calls == []


def test_overall_ratio_is_checked(tmp_path: Path, out: Path) -> None:
    # Many entries each under ratio_min_bytes but hugely compressible together.
    entries = [(f"z{i}.txt", bytes(900 * 1024)) for i in range(4)]
    err = reject(zf.package(*entries), tmp_path, out, pkg.SUSPICIOUS_COMPRESSION)
    assert "overall" in err.message


def test_entry_size_limit(tmp_path: Path, out: Path) -> None:
    data = zf.package(("video.mp4", os.urandom(300_000)))
    err = reject(data, tmp_path, out, pkg.ENTRY_TOO_LARGE, Limits(max_entry_bytes=100_000))
    assert "'video.mp4'" in err.message


def test_total_size_limit(tmp_path: Path, out: Path) -> None:
    data = zf.package(("a.bin", os.urandom(150_000)), ("b.bin", os.urandom(150_000)))
    reject(data, tmp_path, out, pkg.TOO_LARGE, Limits(max_total_bytes=200_000))


def test_hundred_thousand_files_rejected_from_central_directory(
    tmp_path: Path, out: Path, mkdtemp_calls: list[str]
) -> None:
    err = reject(zf.many_files(100_000), tmp_path, out, pkg.TOO_MANY_FILES)
    assert "100,001" in err.message and "20,000" in err.message
    assert mkdtemp_calls == []


def test_file_count_limit_is_configurable(tmp_path: Path, out: Path) -> None:
    reject(zf.many_files(50), tmp_path, out, pkg.TOO_MANY_FILES, Limits(max_files=10))


def test_header_understating_the_size_cannot_write_more(tmp_path: Path, out: Path) -> None:
    """5 MiB of zeros declared as 1,000 bytes: the stream is cut at the declared size, so
    the CRC no longer matches and the archive is refused."""
    data = zf.patch_entry(zf.zero_bomb(5 * MiB), "zeros.bin", file_size=1000)
    err = reject(data, tmp_path, out, pkg.CORRUPT_ZIP, Limits(max_total_bytes=100_000))
    assert "CRC" in err.message


def test_forged_crc_still_writes_only_the_declared_bytes(tmp_path: Path, out: Path) -> None:
    data = zf.zero_bomb(5 * MiB)
    data = zf.patch_entry(data, "zeros.bin", file_size=1000, crc=zlib.crc32(bytes(1000)))
    source = zf.write(tmp_path / "upload.zip", data)
    result = extract_package(source, out / "v1", Limits(max_total_bytes=100_000))
    assert (out / "v1" / "zeros.bin").stat().st_size == 1000
    assert result.total_bytes < 100_000


def test_header_overstating_the_size_is_caught_by_the_byte_count(tmp_path: Path, out: Path) -> None:
    data = zf.patch_entry(zf.package(("a.txt", b"x" * 1000)), "a.txt", file_size=2000)
    err = reject(data, tmp_path, out, pkg.SIZE_MISMATCH)
    assert "'a.txt'" in err.message and "1000 bytes" in err.message


@pytest.fixture
def lying_stream(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, int], None]:
    """Make ZipFile.open return ``size`` zero bytes for entry ``name`` whatever its header
    says: a decompressor that does not stop at the declared size."""

    def install(name: str, size: int) -> None:
        real_open = zipfile.ZipFile.open

        def fake_open(self: zipfile.ZipFile, member: Any, *args: Any, **kw: Any) -> Any:
            mode = args[0] if args else kw.get("mode", "r")
            if mode == "r" and getattr(member, "filename", member) == name:
                return io.BytesIO(bytes(size))
            return real_open(self, member, *args, **kw)

        monkeypatch.setattr(zipfile.ZipFile, "open", fake_open)

    return install


def test_stream_longer_than_header_is_stopped(
    tmp_path: Path, out: Path, lying_stream: Callable[[str, int], None]
) -> None:
    lying_stream("a.txt", 50 * MiB)
    err = reject(zf.package(("a.txt", b"x" * 100)), tmp_path, out, pkg.SIZE_MISMATCH)
    assert "more data than" in err.message


def test_reader_enforces_room_left() -> None:
    entry = pkg._Entry(zipfile.ZipInfo("x.bin"), "x.bin", False)
    entry.info.file_size = 10 * MiB
    reader = pkg._CountingReader(io.BytesIO(bytes(10 * MiB)), entry, MiB, 5 * MiB, None)
    with pytest.raises(PackageError) as info:
        while reader.read(64 * 1024):
            pass
    assert info.value.code == pkg.TOO_LARGE
    assert reader.count <= MiB + 64 * 1024


# --------------------------------------------------------------------------- manifest


def test_no_manifest(tmp_path: Path, out: Path) -> None:
    data = zf.build_zip([("index.html", b"x"), ("style.css", b"y")])
    err = reject(data, tmp_path, out, pkg.NO_MANIFEST)
    assert "imsmanifest.xml" in err.message


def test_empty_zip(tmp_path: Path, out: Path) -> None:
    reject(zf.build_zip([]), tmp_path, out, pkg.NO_MANIFEST)


def test_manifest_in_a_subfolder(tmp_path: Path, out: Path) -> None:
    data = zf.build_zip([("course/imsmanifest.xml", zf.MANIFEST_12), ("course/index.html", b"x")])
    err = reject(data, tmp_path, out, pkg.NO_MANIFEST)
    assert "found at course/imsmanifest.xml" in err.message
    assert "zip the contents of the folder 'course', not the folder itself" in err.message


def test_manifest_with_wrong_case(tmp_path: Path, out: Path) -> None:
    data = zf.build_zip([("IMSManifest.xml", zf.MANIFEST_12), ("index.html", b"x")])
    err = reject(data, tmp_path, out, pkg.NO_MANIFEST)
    assert "'IMSManifest.xml'" in err.message and "lower case" in err.message


def test_aicc_only_package(tmp_path: Path, out: Path) -> None:
    data = zf.build_zip(
        [
            ("course.crs", b"[Course]"),
            ("course.au", b"x"),
            ("course.des", b"x"),
            ("course.cst", b"x"),
            ("index.html", b"x"),
        ]
    )
    err = reject(data, tmp_path, out, pkg.AICC_NOT_SUPPORTED)
    assert "AICC" in err.message and ".crs" in err.message


def test_audio_file_alone_is_not_aicc(tmp_path: Path, out: Path) -> None:
    reject(zf.build_zip([("sound.au", b"x")]), tmp_path, out, pkg.NO_MANIFEST)


def test_manifest_size_cap(tmp_path: Path, out: Path) -> None:
    reject(zf.package(), tmp_path, out, pkg.MANIFEST_TOO_LARGE, Limits(max_manifest_bytes=100))


# --------------------------------------------------------------------------- cleanup


def test_failure_midway_removes_everything(
    tmp_path: Path, out: Path, lying_stream: Callable[[str, int], None]
) -> None:
    """Files already written before the failing entry are removed with the temp folder."""
    entries = [(f"ok/{i}.html", b"fine") for i in range(20)]
    lying_stream("ok/19.html", 100)
    reject(zf.package(*entries), tmp_path, out, pkg.SIZE_MISMATCH)


def test_interrupt_also_cleans_up(
    tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Iterator[int] = iter(range(1000))

    real = pkg._CountingReader.read

    def boom(self: pkg._CountingReader, n: int = -1) -> bytes:
        if next(calls) == 3:
            raise KeyboardInterrupt
        return real(self, n)

    monkeypatch.setattr(pkg._CountingReader, "read", boom)
    source = zf.write(tmp_path / "upload.zip", zf.package(("a.html", b"a"), ("b.html", b"b")))
    with pytest.raises(KeyboardInterrupt):
        extract_package(source, out / "v1")
    assert os.listdir(out) == []
