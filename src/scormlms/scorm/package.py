"""Safe extraction of an uploaded content package (a zip archive).

:func:`extract_package` checks the whole central directory before it writes a single byte,
then streams every entry into a temporary folder next to ``dest`` while counting the bytes it
really writes, and renames the folder to ``dest`` only when everything succeeded. On any
failure the temporary folder is removed: nothing is left behind.

Every refusal is a :class:`~scormlms.scorm.errors.PackageError` whose ``code`` is one of the
module constants below:

=========================  ==============================================================
``not_zip``                the upload is not a zip archive at all
``corrupt_zip``            a zip, but truncated or damaged (bad CRC, cut-off data …)
``absolute_path``          an entry name is absolute (``/x``, ``C:\\x``, ``\\\\server\\x``)
``zip_slip``               an entry name has a ``..`` component (would escape the folder)
``unsafe_name``            an entry name is empty, has control characters or is too long
``symlink``                an entry is a symbolic link
``special_file``           an entry is a device, FIFO or socket
``encrypted_entry``        an entry is password-protected
``unsupported_compression``  an entry uses a compression method Python cannot read
``duplicate_name``         two entries share a name (exactly, after normalisation, or
                           differing only in letter case), or a file is also a folder
``too_many_files``         more entries than :attr:`Limits.max_files`
``too_large``              unpacked size above :attr:`Limits.max_total_bytes`
``entry_too_large``        one entry above :attr:`Limits.max_entry_bytes`
``suspicious_compression`` compression ratio above :attr:`Limits.max_ratio` (zip bomb)
``size_mismatch``          an entry's real data does not match the size its header declares
``manifest_too_large``     ``imsmanifest.xml`` above :attr:`Limits.max_manifest_bytes`
``no_manifest``            no ``imsmanifest.xml`` at the archive root
``aicc_not_supported``     an AICC course (``.crs``/``.au``/``.des``/``.cst``), not SCORM
=========================  ==============================================================

Entry names written with backslashes (some old Windows tools do that) are read with the
backslash as a folder separator, so ``images\\a.png`` is extracted as ``images/a.png`` and
``..\\evil`` is refused like ``../evil``.
"""

from __future__ import annotations

import io
import lzma
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from scormlms.scorm.errors import PackageError

__all__ = [
    "ABSOLUTE_PATH",
    "AICC_NOT_SUPPORTED",
    "CORRUPT_ZIP",
    "DUPLICATE_NAME",
    "ENCRYPTED_ENTRY",
    "ENTRY_TOO_LARGE",
    "MANIFEST_NAME",
    "MANIFEST_TOO_LARGE",
    "NOT_ZIP",
    "NO_MANIFEST",
    "SIZE_MISMATCH",
    "SPECIAL_FILE",
    "SUSPICIOUS_COMPRESSION",
    "SYMLINK",
    "TOO_LARGE",
    "TOO_MANY_FILES",
    "UNSAFE_NAME",
    "UNSUPPORTED_COMPRESSION",
    "ZIP_SLIP",
    "ExtractResult",
    "Limits",
    "extract_package",
]

NOT_ZIP = "not_zip"
CORRUPT_ZIP = "corrupt_zip"
ABSOLUTE_PATH = "absolute_path"
ZIP_SLIP = "zip_slip"
UNSAFE_NAME = "unsafe_name"
SYMLINK = "symlink"
SPECIAL_FILE = "special_file"
ENCRYPTED_ENTRY = "encrypted_entry"
UNSUPPORTED_COMPRESSION = "unsupported_compression"
DUPLICATE_NAME = "duplicate_name"
TOO_MANY_FILES = "too_many_files"
TOO_LARGE = "too_large"
ENTRY_TOO_LARGE = "entry_too_large"
SUSPICIOUS_COMPRESSION = "suspicious_compression"
SIZE_MISMATCH = "size_mismatch"
MANIFEST_TOO_LARGE = "manifest_too_large"
NO_MANIFEST = "no_manifest"
AICC_NOT_SUPPORTED = "aicc_not_supported"

#: SCORM 1.2 CAM 2.3.1 / SCORM 2004 4th ed. CAM 3.2: the manifest is named
#: ``imsmanifest.xml`` and sits at the root of the package.
MANIFEST_NAME = "imsmanifest.xml"

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

_CHUNK = 64 * KiB
_MAX_NAME_COMPONENT_BYTES = 255  # NAME_MAX on Linux/ext4 and most other filesystems
_MAX_NAME_BYTES = 1024
_SUPPORTED_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
# AICC CMI001 course structure files: course (.crs), assignable units (.au),
# descriptors (.des) and course structure table (.cst).
_AICC_EXTENSIONS = frozenset({".crs", ".au", ".des", ".cst"})
_DRIVE = re.compile(r"^[A-Za-z]:")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


@dataclass(frozen=True)
class Limits:
    """Upper bounds an archive must respect; all of them are checked on the central
    directory first and enforced again on the bytes really written.

    ``max_ratio`` (uncompressed / compressed) is checked per entry and over the whole
    archive, but only once the uncompressed size is above ``ratio_min_bytes``, so small
    files that compress very well (CSS, JSON, blank images) never trip it.
    ``max_entry_bytes`` of ``None`` means "no smaller than ``max_total_bytes``".
    """

    max_total_bytes: int = 1 * GiB
    max_files: int = 20_000
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 * MiB
    max_entry_bytes: int | None = None
    max_manifest_bytes: int = 10 * MiB

    @property
    def entry_limit(self) -> int:
        if self.max_entry_bytes is None:
            return self.max_total_bytes
        return min(self.max_entry_bytes, self.max_total_bytes)


@dataclass(frozen=True)
class ExtractResult:
    """What :func:`extract_package` wrote.

    ``files`` are the posix relative names of the regular files (archive order),
    ``total_bytes`` the number of bytes really written, ``manifest`` the content of the
    root ``imsmanifest.xml``.
    """

    files: list[str] = field(default_factory=list)
    total_bytes: int = 0
    manifest: bytes = b""


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    name: str  # normalised posix relative name, no trailing slash
    is_dir: bool


def _human(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _normalise_name(raw: str) -> tuple[str, bool]:
    """Return ``(posix relative name, is_dir)`` for an entry name or raise PackageError."""
    shown = repr(raw)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise PackageError(
            UNSAFE_NAME, f"The archive entry {shown} has control characters in its name."
        )
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise PackageError(
            ABSOLUTE_PATH,
            f"The archive entry {shown} has an absolute path; every entry must be relative "
            "to the package root.",
        )
    is_dir = name.endswith("/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PackageError(
            ZIP_SLIP,
            f"The archive entry {shown} contains '..' and would be written outside the "
            "package folder.",
        )
    if not parts:
        if is_dir:  # "./" or "/"-only directory entries name the root itself
            return "", True
        raise PackageError(UNSAFE_NAME, f"The archive entry {shown} has an empty name.")
    normalised = unicodedata.normalize("NFC", "/".join(parts))
    too_long = len(normalised.encode("utf-8")) > _MAX_NAME_BYTES or any(
        len(p.encode("utf-8")) > _MAX_NAME_COMPONENT_BYTES for p in parts
    )
    if too_long:
        raise PackageError(UNSAFE_NAME, f"The archive entry {shown} has a name that is too long.")
    return normalised, is_dir


def _check_entry_kind(info: zipfile.ZipInfo) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if stat.S_ISLNK(mode):
        raise PackageError(
            SYMLINK,
            f"The archive entry {info.filename!r} is a symbolic link; links are not allowed "
            "in a package.",
        )
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise PackageError(
            SPECIAL_FILE,
            f"The archive entry {info.filename!r} is a device, FIFO or socket, not a regular file.",
        )
    if info.flag_bits & 0x1:
        raise PackageError(
            ENCRYPTED_ENTRY,
            f"The archive entry {info.filename!r} is password-protected; upload an archive "
            "without encryption.",
        )
    if info.compress_type not in _SUPPORTED_COMPRESSION:
        raise PackageError(
            UNSUPPORTED_COMPRESSION,
            f"The archive entry {info.filename!r} uses compression method "
            f"{info.compress_type}, which is not supported; re-create the zip with the "
            "standard 'deflate' method.",
        )


def _scan(infos: Iterable[zipfile.ZipInfo], limits: Limits) -> list[_Entry]:
    """Validate the central directory; nothing has been written yet."""
    infos = list(infos)
    if len(infos) > limits.max_files:
        raise PackageError(
            TOO_MANY_FILES,
            f"The archive has {len(infos):,} entries; at most {limits.max_files:,} are allowed.",
        )
    entries: list[_Entry] = []
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    files: dict[str, str] = {}
    dirs: set[str] = set()
    total = 0
    total_compressed = 0
    for info in infos:
        name, is_dir = _normalise_name(info.filename)
        _check_entry_kind(info)
        if stat.S_ISDIR(info.external_attr >> 16) or info.is_dir():
            is_dir = True
        if not name:
            continue
        parents = [str(p) for p in PurePosixPath(name).parents if str(p) != "."]
        dirs.update(parents)
        if is_dir:
            dirs.add(name)
            entries.append(_Entry(info, name, True))
            continue
        if name in exact:
            raise PackageError(
                DUPLICATE_NAME,
                f"The archive has two entries named {name!r} ({exact[name]!r} and "
                f"{info.filename!r}); each file must appear once.",
            )
        key = name.casefold()
        if key in folded:
            raise PackageError(
                DUPLICATE_NAME,
                f"The archive entries {folded[key]!r} and {info.filename!r} differ only in "
                "letter case; they would overwrite each other on many systems.",
            )
        exact[name] = info.filename
        folded[key] = info.filename
        files[name] = info.filename
        size = info.file_size
        if size > limits.entry_limit:
            raise PackageError(
                ENTRY_TOO_LARGE,
                f"The archive entry {info.filename!r} would unpack to {_human(size)}; one "
                f"file may be at most {_human(limits.entry_limit)}.",
            )
        if size > limits.ratio_min_bytes and size > limits.max_ratio * info.compress_size:
            ratio = size / max(info.compress_size, 1)
            raise PackageError(
                SUSPICIOUS_COMPRESSION,
                f"The archive entry {info.filename!r} expands {ratio:,.0f} times "
                f"({_human(info.compress_size)} to {_human(size)}); more than "
                f"{limits.max_ratio:,.0f} looks like a zip bomb.",
            )
        total += size
        total_compressed += info.compress_size
        entries.append(_Entry(info, name, False))
    clash = sorted(set(files) & dirs)
    if clash:
        raise PackageError(
            DUPLICATE_NAME,
            f"The archive has {clash[0]!r} both as a file and as a folder.",
        )
    if total > limits.max_total_bytes:
        raise PackageError(
            TOO_LARGE,
            f"The archive would unpack to {_human(total)}; a package may be at most "
            f"{_human(limits.max_total_bytes)}.",
        )
    if total > limits.ratio_min_bytes and total > limits.max_ratio * total_compressed:
        ratio = total / max(total_compressed, 1)
        raise PackageError(
            SUSPICIOUS_COMPRESSION,
            f"The archive expands {ratio:,.0f} times overall ({_human(total_compressed)} "
            f"to {_human(total)}); more than {limits.max_ratio:,.0f} looks like a zip bomb.",
        )
    return entries


def _find_manifest(entries: list[_Entry], limits: Limits) -> _Entry:
    """Return the root manifest entry, or explain what the archive is instead."""
    file_entries = [e for e in entries if not e.is_dir]
    for entry in file_entries:
        if entry.name == MANIFEST_NAME:
            if entry.info.file_size > limits.max_manifest_bytes:
                raise PackageError(
                    MANIFEST_TOO_LARGE,
                    f"imsmanifest.xml is {_human(entry.info.file_size)}; at most "
                    f"{_human(limits.max_manifest_bytes)} is accepted.",
                )
            return entry
    for entry in file_entries:
        if "/" not in entry.name and entry.name.casefold() == MANIFEST_NAME:
            raise PackageError(
                NO_MANIFEST,
                f"The archive has {entry.name!r} at its root, but the manifest must be "
                "named exactly 'imsmanifest.xml' (lower case).",
            )
    nested = sorted(
        (e.name for e in file_entries if e.name.rsplit("/", 1)[-1].casefold() == MANIFEST_NAME),
        key=lambda n: (n.count("/"), n),
    )
    if nested:
        folder = nested[0].rsplit("/", 1)[0]
        raise PackageError(
            NO_MANIFEST,
            f"imsmanifest.xml is not at the root of the archive (found at {nested[0]}) — "
            f"zip the contents of the folder '{folder}', not the folder itself.",
        )
    kinds = {os.path.splitext(e.name)[1].lower() for e in file_entries} & _AICC_EXTENSIONS
    if ".crs" in kinds or len(kinds) >= 2:
        raise PackageError(
            AICC_NOT_SUPPORTED,
            "This archive is an AICC course (it has "
            + ", ".join(sorted(kinds))
            + " files but no imsmanifest.xml); only SCORM 1.2 and SCORM 2004 packages are "
            "supported.",
        )
    raise PackageError(
        NO_MANIFEST,
        "The archive has no imsmanifest.xml at its root, so it is not a SCORM package.",
    )


class _CountingReader:
    """Wrap an entry stream; fail as soon as it yields more than the declared size or the
    remaining room under the total limit."""

    def __init__(
        self, raw: IO[bytes], entry: _Entry, room: int, total_limit: int, sink: bytearray | None
    ) -> None:
        self.raw = raw
        self.entry = entry
        self.declared = entry.info.file_size
        self.room = room
        self.total_limit = total_limit
        self.sink = sink
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = _CHUNK
        data = self.raw.read(n)
        self.count += len(data)
        if self.count > self.declared:
            raise PackageError(
                SIZE_MISMATCH,
                f"The archive entry {self.entry.info.filename!r} holds more data than the "
                f"{_human(self.declared)} its header declares; the archive is damaged or "
                "forged.",
            )
        if self.count > self.room:
            raise PackageError(
                TOO_LARGE,
                f"The archive unpacks to more than {_human(self.total_limit)}, the most a "
                "package may be.",
            )
        if self.sink is not None:
            self.sink += data
        return data


def _open_zip(source: BinaryIO | str | os.PathLike[str]) -> zipfile.ZipFile:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            head = fh.read(4)
    else:
        pos = source.tell()
        head = source.read(4)
        source.seek(pos)
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        if head in _ZIP_MAGIC:
            raise PackageError(
                CORRUPT_ZIP,
                "The zip archive is truncated or damaged: its table of contents (central "
                "directory) cannot be read. Upload it again or re-create it.",
            ) from exc
        raise PackageError(
            NOT_ZIP, "The uploaded file is not a zip archive; a SCORM package must be a .zip."
        ) from exc
    except NotImplementedError as exc:  # e.g. "zip file version 25.5" in the central directory
        raise PackageError(UNSUPPORTED_COMPRESSION, f"The zip archive uses {exc}.") from exc
    except (OSError, EOFError, ValueError) as exc:
        if head in _ZIP_MAGIC:
            raise PackageError(
                CORRUPT_ZIP, f"The zip archive is damaged or truncated ({exc})."
            ) from exc
        raise PackageError(
            NOT_ZIP, "The uploaded file is not a zip archive; a SCORM package must be a .zip."
        ) from exc


def _write_entries(
    zf: zipfile.ZipFile, entries: list[_Entry], root: Path, limits: Limits
) -> tuple[list[str], int, bytes]:
    root_resolved = root.resolve()
    files: list[str] = []
    total = 0
    manifest = bytearray()
    for entry in entries:
        target = root.joinpath(*entry.name.split("/"))
        # Belt and braces: names were normalised already, but never write outside root.
        if not target.resolve().is_relative_to(root_resolved):
            raise PackageError(
                ZIP_SLIP, f"The archive entry {entry.info.filename!r} escapes the package folder."
            )
        if entry.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        sink = manifest if entry.name == MANIFEST_NAME else None
        with zf.open(entry.info) as raw, open(target, "xb") as out:
            reader = _CountingReader(
                raw, entry, limits.max_total_bytes - total, limits.max_total_bytes, sink
            )
            shutil.copyfileobj(reader, out, _CHUNK)
        if reader.count != entry.info.file_size:
            raise PackageError(
                SIZE_MISMATCH,
                f"The archive entry {entry.info.filename!r} holds {_human(reader.count)} but "
                f"its header declares {_human(entry.info.file_size)}; the archive is damaged "
                "or forged.",
            )
        total += reader.count
        files.append(entry.name)
    return files, total, bytes(manifest)


def extract_package(
    source: BinaryIO | str | os.PathLike[str],
    dest: Path,
    limits: Limits = Limits(),  # noqa: B008 - Limits is frozen, sharing the default is safe
) -> ExtractResult:
    """Extract the zip ``source`` into the new folder ``dest``.

    ``source`` is a path or a seekable binary file. ``dest`` must not exist yet (else
    :class:`ValueError`); its parent must exist. The archive is written into a temporary
    folder inside ``dest.parent`` and renamed to ``dest`` at the very end; on any failure
    nothing is left behind. Raises :class:`PackageError` (codes in the module docstring).
    """
    dest = Path(dest)
    if dest.exists() or dest.is_symlink():
        raise ValueError(f"{dest} already exists; extract each package version into a new folder")
    with _open_zip(source) as zf:
        try:
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError) as exc:  # pragma: no cover - defensive
            raise PackageError(CORRUPT_ZIP, f"The zip archive is damaged ({exc}).") from exc
        entries = _scan(infos, limits)
        _find_manifest(entries, limits)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
        try:
            try:
                files, total, manifest = _write_entries(zf, entries, tmp, limits)
            except OSError as exc:
                if exc.errno is not None:  # the disk, not the archive (ENOSPC, EACCES …)
                    raise
                # bz2 reports a damaged stream as an OSError without errno
                raise PackageError(
                    CORRUPT_ZIP, f"The zip archive is damaged ({exc}); upload it again."
                ) from exc
            except (
                zipfile.BadZipFile,
                zlib.error,
                lzma.LZMAError,
                EOFError,
                ValueError,  # "negative seek value" when the archive lost its first bytes
                io.UnsupportedOperation,
            ) as exc:
                raise PackageError(
                    CORRUPT_ZIP,
                    f"The zip archive is damaged or truncated ({exc}); upload it again or "
                    "re-create it.",
                ) from exc
            except NotImplementedError as exc:
                raise PackageError(UNSUPPORTED_COMPRESSION, f"The zip archive uses {exc}.") from exc
            os.chmod(tmp, 0o755)
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return ExtractResult(files=files, total_bytes=total, manifest=manifest)
