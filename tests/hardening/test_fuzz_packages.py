"""Fuzz the package side: the manifest parser, the zip extractor and ``POST /api/courses``.

Seeds are real manifests and packages (the project's examples, the test zip factory, and the
Rustici golf corpus when it is present, read only), then mutated: bytes flipped, cut, spliced,
zip header fields overwritten, XML markup inserted. The parser and the extractor may only
succeed or raise :class:`PackageError`; a failed extraction or import leaves no files and no
rows behind.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from scormlms.courses.services import course_import
from scormlms.scorm.errors import PackageError
from scormlms.scorm.manifest import parse_manifest
from scormlms.scorm.package import Limits, extract_package
from tests.conftest import CORPUS, REPO
from tests.hardening.bugs import open_bug_behind
from tests.hardening.conftest import fuzz_settings
from tests.hardening.helpers import browser, exercise
from tests.hardening.strategies import text
from tests.scorm.zipfactory import MANIFEST_12, build_zip, package
from tests.tracking.conftest import make_user

pytestmark = pytest.mark.fuzz

EXAMPLES = REPO / "examples"
# Small enough that a mutated size field cannot make one example run for long.
LIMITS = Limits(max_total_bytes=20 * 1024 * 1024, max_files=500)


def _example_zip(name: str, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    folders = [EXAMPLES / name, EXAMPLES / "common"]
    files = [(p.name, p.read_bytes()) for f in folders if f.is_dir() for p in sorted(f.iterdir())]
    return build_zip(files, compression)


def _golf() -> list[Path]:
    return sorted(CORPUS.glob("*.zip")) if CORPUS.is_dir() else []


def seed_manifests() -> list[bytes]:
    found = [MANIFEST_12]
    found += [p.read_bytes() for p in sorted(EXAMPLES.glob("*/imsmanifest.xml"))]
    for path in _golf():
        with zipfile.ZipFile(path) as zf:
            found.append(zf.read("imsmanifest.xml"))
    return found


def seed_zips() -> list[bytes]:
    found = [
        package(),
        build_zip([("imsmanifest.xml", MANIFEST_12), ("index.html", b"x")], zipfile.ZIP_STORED),
        build_zip([("imsmanifest.xml", MANIFEST_12), ("index.html", b"x")], zipfile.ZIP_BZIP2),
        build_zip([("imsmanifest.xml", MANIFEST_12), ("index.html", b"x")], zipfile.ZIP_LZMA),
        package(("a/b/c.txt", b"nested"), ("a/d.css", b"body{}")),
    ]
    found += [_example_zip(n) for n in ("quiz12", "multisco2004", "progress2004")]
    golf = _golf()
    if golf:  # one real package is enough: they share their layout
        found.append(golf[0].read_bytes())
    return found


# ---------------------------------------------------------------------------- mutations

_SIGNATURES = (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")
_INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes, zip_aware: bool = False) -> bytes:
    """``seed`` after 1–4 of: bit flips, random bytes, cuts, deleted / duplicated spans,
    inserted bytes and (``zip_aware``) a header field overwritten with an edge value."""
    data = bytearray(seed)
    kinds = ["flip", "byte", "truncate", "delete", "duplicate", "insert"]
    kinds += ["field"] * (4 if zip_aware else 0)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(kinds))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            starts = [m.start() for s in _SIGNATURES for m in re.finditer(re.escape(s), data)]
            if not starts:
                continue
            base = draw(st.sampled_from(starts)) + draw(st.integers(4, 44))
            size = draw(st.sampled_from([2, 4]))
            value = draw(st.sampled_from(_INTERESTING) | st.integers(0, 2**32 - 1))
            if base + size <= len(data):
                struct.pack_into("<I" if size == 4 else "<H", data, base, value % (1 << size * 8))
    return bytes(data)


# Markup that manifests get wrong, or that attackers put in.
SNIPPETS = [
    b'<!DOCTYPE manifest [<!ENTITY e "boom">]>',
    b'<!DOCTYPE m SYSTEM "file:///etc/passwd">',
    b"&e;",
    b"<![CDATA[x]]>",
    b'<?xml version="1.1" encoding="latin-1"?>',
    b'<item identifier="dup"><title>t</title></item>',
    b'<item identifier="x" identifierref="missing"/>',
    b"<item>" * 40 + b"</item>" * 40,
    b"<item>" * 400,
    b'<resource identifier="r" type="webcontent" href="../../etc/passwd"/>',
    b'<resource identifier="r2" adlcp:scormtype="sco" href="/abs/path.html"/>',
    b' xml:base="../.."',
    b' href="C:\\\\x.html"',
    b' adlcp:masteryscore="abc"',
    b' isvisible="maybe"',
    b'<adlcp:completionThreshold minProgressMeasure="2"/>',
    b"<imsss:minNormalizedMeasure>-7</imsss:minNormalizedMeasure>",
    b'<organizations default="nope"/>',
    b'<organization identifier="">',
    b"<title>" + b"T" * 5000 + b"</title>",
    b' identifier="' + b"i" * 3000 + b'"',
    b'<x:y xmlns:x="urn:x"/>',
    b"</manifest>",
    b"\x00",
    b"\xff\xfe",
    "é𝄞".encode(),
]


@st.composite
def mutated_xml(draw: st.DrawFn, seed: bytes) -> bytes:
    """Markup inserted at tag boundaries, attribute values replaced, then byte mutations."""
    data = seed
    for _ in range(draw(st.integers(0, 3))):
        bounds = [m.end() for m in re.finditer(rb">", data)] or [0]
        at = draw(st.sampled_from(bounds))
        data = data[:at] + draw(st.sampled_from(SNIPPETS)) + data[at:]
    values = list(re.finditer(rb'="([^"]*)"', data))
    if values and draw(st.booleans()):
        m = draw(st.sampled_from(values))
        new = draw(text(60)).encode("utf-8", "surrogatepass").replace(b'"', b"&quot;")
        data = data[: m.start(1)] + new + data[m.end(1) :]
    if draw(st.booleans()):
        data = draw(mutated_bytes(data))
    return data


# ------------------------------------------------------------------------- the tests


def test_parse_manifest_raises_only_package_errors() -> None:
    seeds = seed_manifests()
    inputs = st.one_of(
        st.sampled_from(seeds).flatmap(mutated_xml),
        st.binary(max_size=400),
        text(400).map(lambda s: s.encode("utf-8", "surrogatepass")),
    )

    @fuzz_settings(250)
    @given(data=inputs, with_files=st.booleans())
    def run(data: bytes, with_files: bool) -> None:
        files = ["index.html", "a/b.html"] if with_files else None
        try:
            manifest = parse_manifest(data, files)
        except PackageError as error:
            assert error.code and error.message
            return
        except Exception as error:
            if open_bug_behind(error):
                return
            raise
        json.dumps(manifest.to_json())  # what the importer stores in a JSON column

    run()


def _file_name(name: str) -> str:
    """A name the test client can send (Django refuses to build an upload named "" or "..")."""
    return name if os.path.basename(name) not in {"", ".", ".."} else f"{name}x"


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_extract_package_raises_only_package_errors_and_leaves_nothing(tmp_path: Path) -> None:
    seeds = seed_zips()
    inputs = st.one_of(
        st.sampled_from(seeds).flatmap(lambda z: mutated_bytes(z, zip_aware=True)),
        st.sampled_from(seeds).flatmap(lambda z: st.integers(0, len(z)).map(lambda n: z[:n])),
        st.binary(max_size=300),
    )

    @fuzz_settings(200)
    @given(data=inputs)
    def run(data: bytes) -> None:
        dest = tmp_path / "package"
        try:
            result = extract_package(io.BytesIO(data), dest, LIMITS)
        except Exception as error:
            assert _tree(tmp_path) == [], "a failed extraction left files behind"
            if isinstance(error, PackageError):
                assert error.code and error.message
            elif not open_bug_behind(error):
                raise
            return
        try:
            root = dest.resolve()
            for name in result.files:
                path = (dest / name).resolve()
                assert path.is_relative_to(root) and path.is_file(), name
        finally:
            shutil.rmtree(dest)

    run()


@pytest.mark.django_db
def test_course_upload_answers_json_and_a_refused_one_leaves_nothing(settings: Any) -> None:
    staff = make_user("sam", staff=True)
    client = browser(staff)
    course_import(source=io.BytesIO(package()), course_id="existing")
    store_root = Path(settings.SCORMLMS_PACKAGE_DIR)
    seeds = seed_zips()[:-1]  # the golf package is too slow to upload hundreds of times
    uploads = st.one_of(
        st.sampled_from(seeds),
        st.sampled_from(seeds).flatmap(lambda z: mutated_bytes(z, zip_aware=True)),
        st.binary(max_size=200),
    )
    # What a browser can send: text it can encode (lone surrogates become U+FFFD).
    sendable = text(30).map(lambda s: s.encode("utf-8", "replace").decode())
    names = st.sampled_from(["course.zip", "COURSE.ZIP", "course.txt", ".zip"]) | sendable.map(
        _file_name
    )
    ids = st.none() | st.sampled_from(["", "existing", "new-one", "-bad", "a" * 101]) | sendable

    @fuzz_settings(60)
    @given(data=uploads, name=names, course_id=ids)
    def run(data: bytes, name: str, course_id: str | None) -> None:
        form: dict[str, object] = {"file": SimpleUploadedFile(name, data)}
        if course_id is not None:
            form["courseId"] = course_id
        before = _tree(store_root)
        answer = exercise(
            lambda: client.post("/api/courses", form),
            f"POST /api/courses name={name!r} courseId={course_id!r} {len(data)} bytes",
        )
        if answer is None or not answer["ok"]:  # refused, or failed by an open bug
            assert _tree(store_root) == before, "a refused upload left files behind"

    run()
