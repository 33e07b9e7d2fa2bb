"""Build the scormlms sample SCORM packages into zip files.

Usage::

    python examples/build.py [OUT_DIR]      # default: examples/dist/

or, from Python::

    from build import build_all
    zips = build_all(Path("out"))           # {"quiz12": Path(...), ...}

Each package is the contents of ``examples/<name>/`` plus the shared files of
``examples/common/`` (copied to the zip root, next to ``imsmanifest.xml``).
The zips are deterministic: entries sorted by name, a fixed timestamp and
fixed permissions, and text files with LF line endings, so building twice
gives byte-identical files.

Before writing, the build checks that the manifest is well-formed XML, that
every ``<file href>`` it lists is in the package and that every file in the
package is listed, so a forgotten ``<file>`` entry fails loudly here rather
than in an LMS.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
COMMON_DIR = EXAMPLES_DIR / "common"
DEFAULT_OUT_DIR = EXAMPLES_DIR / "dist"
PACKAGES = ("quiz12", "progress2004", "multisco2004", "prereq12")
MANIFEST = "imsmanifest.xml"

# The earliest time a zip entry can carry (MS-DOS epoch), for every entry.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# Regular file, rw-r--r--, recorded as made on Unix.
FILE_MODE = 0o100644
CREATE_SYSTEM_UNIX = 3
TEXT_SUFFIXES = frozenset({".html", ".js", ".css", ".xml", ".txt"})


class PackageError(Exception):
    """A sample package is inconsistent (missing file, unlisted file, bad XML)."""


def _source_files(directory: Path) -> dict[str, Path]:
    """Files under ``directory`` keyed by their zip path (POSIX, relative)."""
    files: dict[str, Path] = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_dir() or any(part.startswith((".", "__")) for part in relative.parts):
            continue
        files[relative.as_posix()] = path
    return files


def package_files(name: str) -> dict[str, Path]:
    """Every file of package ``name``, keyed by its path inside the zip."""
    package_dir = EXAMPLES_DIR / name
    if not (package_dir / MANIFEST).is_file():
        raise PackageError(f"{package_dir} has no {MANIFEST}")
    files = _source_files(package_dir)
    for zip_name, path in _source_files(COMMON_DIR).items():
        if zip_name in files:
            raise PackageError(f"{name}/{zip_name} clashes with common/{zip_name}")
        files[zip_name] = path
    return files


def manifest_hrefs(manifest: bytes) -> set[str]:
    """The ``href`` of every ``<file>`` element of a manifest, any namespace."""
    try:
        root = ET.fromstring(manifest)
    except ET.ParseError as error:
        raise PackageError(f"{MANIFEST} is not well-formed XML: {error}") from error
    hrefs: set[str] = set()
    for element in root.iter():
        if element.tag.rpartition("}")[2] == "file":
            href = element.get("href")
            if not href:
                raise PackageError(f"{MANIFEST} has a <file> without href")
            hrefs.add(href)
    return hrefs


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix in TEXT_SUFFIXES:
        data = data.replace(b"\r\n", b"\n")
    return data


def check_listing(name: str, contents: dict[str, bytes]) -> None:
    """Raise PackageError unless the manifest's <file> entries match ``contents``.

    ``contents`` maps zip paths to bytes and must include the manifest. IMS CP
    does not strictly require every file to be listed, but SCORM packages are
    expected to declare them (CAM, content packaging: <file> elements), and the
    LMS's import may rely on the list.
    """
    listed = manifest_hrefs(contents[MANIFEST])
    missing = sorted(listed - contents.keys())
    unlisted = sorted(contents.keys() - listed - {MANIFEST})
    if missing:
        raise PackageError(f"{name}: {MANIFEST} lists files not in the package: {missing}")
    if unlisted:
        raise PackageError(f"{name}: files missing from {MANIFEST} <file> entries: {unlisted}")


def _write_zip(target: Path, contents: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w") as archive:
        for zip_name in sorted(contents):
            info = zipfile.ZipInfo(zip_name, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = CREATE_SYSTEM_UNIX
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, contents[zip_name], compresslevel=9)


def build_package(name: str, out_dir: Path) -> Path:
    """Check package ``name`` and write ``out_dir/<name>.zip``; return its path."""
    contents = {zip_name: _read(path) for zip_name, path in package_files(name).items()}
    check_listing(name, contents)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.zip"
    _write_zip(target, contents)
    return target


def build_all(out_dir: Path) -> dict[str, Path]:
    """Build every sample package into ``out_dir``; map package name to zip path."""
    return {name: build_package(name, out_dir) for name in PACKAGES}


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: python examples/build.py [OUT_DIR]", file=sys.stderr)
        return 2
    out_dir = Path(argv[0]) if argv else DEFAULT_OUT_DIR
    try:
        built = build_all(out_dir)
    except PackageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, path in built.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
