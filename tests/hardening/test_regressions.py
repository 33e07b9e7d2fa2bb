"""Minimal reproductions of every bug the hardening tests found, shrunk by Hypothesis.

Each asserts what the contract asks for (a 4xx with a JSON error, nothing written, only
PackageError from the package code). A bug still open in ``bugs.py`` is marked ``known_bug``:
an ``xfail(strict=True)`` that turns red once the fix lands, so the mark gets removed and the
reproduction stays as the fix's regression test.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scormlms.scorm.errors import PackageError
from scormlms.scorm.package import extract_package
from tests.hardening.helpers import World, build_world, exercise, post_json
from tests.hardening.test_fuzz_api import CMI_2004, VALUES_12, VALUES_2004, _result
from tests.scorm.zipfactory import MANIFEST_12, build_zip, package

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _commit(world: World, key: str, values: dict[str, str], cmi: Any = None) -> Any:
    base = VALUES_2004 if key == "A" else VALUES_12
    body = _result(world, key, {**base, **values}, cmi if cmi is not None else CMI_2004)
    if key != "A":
        body["cmi"] = cmi
    return exercise(
        lambda: post_json(world.clients["A"], "/api/scorm/result", body),
        f"POST /api/scorm/result {values} {cmi}",
    )


# ------------------------------- lone surrogates (fixed in a865d82; 500 UnicodeEncodeError)


def test_start_with_a_lone_surrogate_course_id(world: World) -> None:
    exercise(
        lambda: post_json(world.clients["A"], "/lms/attempt/start", {"courseId": "\ud800"}),
        "POST /lms/attempt/start courseId=\\ud800",
    )


def test_lone_surrogate_in_the_location(world: World) -> None:
    _commit(world, "A", {"cmi.location": "\ud800"})


def test_lone_surrogate_in_scorm12_suspend_data(world: World) -> None:
    _commit(world, "A12", {"cmi.suspend_data": "a\udfffb"})


def test_lone_surrogate_in_the_cmi_tree(world: World) -> None:
    _commit(world, "A", {}, {"cmi": {"interactions": [{"id": "q1", "learner_response": "\ud800"}]}})


def test_lone_surrogate_as_a_cmi_tree_key(world: World) -> None:
    _commit(world, "A", {}, {"cmi": {"\ud800": "x"}})


# ------------------------------ NUL (fixed in a865d82; PostgreSQL: 500 ValueError/DataError)


def test_start_with_nul_in_the_course_id(world: World) -> None:
    exercise(
        lambda: post_json(world.clients["A"], "/lms/attempt/start", {"courseId": "c\x00"}),
        "POST /lms/attempt/start courseId=c\\x00",
    )


def test_nul_in_the_location(world: World) -> None:
    _commit(world, "A", {"cmi.location": "a\x00b"})


def test_nul_in_the_cmi_tree(world: World) -> None:
    _commit(world, "A", {}, {"cmi": {"comments_from_learner": [{"comment": "\x00"}]}})


@pytest.mark.parametrize("param", ["q", "course", "learner"])
def test_nul_in_an_admin_list_filter(world: World, param: str) -> None:
    url = f"/lms/admin/enrolments?{param}=%00"
    exercise(lambda: world.clients["staff"].get(url), f"GET {url}")


@pytest.mark.parametrize("url", ["/certificates/verify/%00", "/certificates/%00/download"])
def test_nul_in_a_certificate_code(world: World, url: str) -> None:
    response = world.clients["staff"].get(url)
    assert response.status_code == 404


# ------------------------------- deep JSON, superscript digits (fixed in a865d82; 500)


@pytest.mark.parametrize("url", ["/lms/attempt/start", "/api/scorm/result"])
def test_deeply_nested_json_body(world: World, url: str) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    data = exercise(lambda: post_json(world.clients["A"], url, body), f"POST {url} [[[…]]]")
    assert data["error"] == "bad_json"


@pytest.mark.parametrize("value", ["%C2%B2", "1%C2%B2"])  # "²", "1²"
def test_superscript_digit_as_a_page_number(world: World, value: str) -> None:
    url = f"/lms/admin/enrolments?page={value}"
    data = exercise(lambda: world.clients["staff"].get(url), f"GET {url}")
    assert data["field"] == "page"


# --------------------------- zipfile's own exceptions escaped (fixed in 63f2c28; 500 on upload)


def _without_first_byte() -> bytes:
    return package()[1:]


def _damaged(method: int) -> bytes:
    """A valid package whose manifest entry has one byte of compressed data flipped."""
    data = bytearray(build_zip([("imsmanifest.xml", MANIFEST_12), ("index.html", b"x")], method))
    data[30 + len("imsmanifest.xml") + 9] ^= 0xFF  # local header, name, then the stream
    return bytes(data)


def _future_version() -> bytes:
    """A valid package whose first central directory entry needs zip version 25.5."""
    data = bytearray(package())
    struct.pack_into("<H", data, data.find(b"PK\x01\x02") + 6, 255)
    return bytes(data)


BROKEN_ZIPS = {
    "first byte missing": _without_first_byte,
    "bzip2 entry damaged": lambda: _damaged(zipfile.ZIP_BZIP2),
    "lzma entry damaged": lambda: _damaged(zipfile.ZIP_LZMA),
    "version 25.5 needed": _future_version,
}


@pytest.mark.parametrize("name", list(BROKEN_ZIPS))
def test_extracting_a_broken_zip_raises_a_package_error(tmp_path: Path, name: str) -> None:
    parent = tmp_path / "extract"
    parent.mkdir()
    with pytest.raises(PackageError):
        extract_package(io.BytesIO(BROKEN_ZIPS[name]()), parent / "package")
    assert list(parent.iterdir()) == []


@pytest.mark.parametrize("name", list(BROKEN_ZIPS))
def test_uploading_a_broken_zip_answers_400(world: World, settings: Any, name: str) -> None:
    upload = SimpleUploadedFile("course.zip", BROKEN_ZIPS[name]())
    data = exercise(
        lambda: world.clients["staff"].post("/api/courses", {"file": upload}),
        f"POST /api/courses ({name})",
    )
    assert data is not None and data["field"] == "file"
    assert not any(Path(settings.SCORMLMS_PACKAGE_DIR).rglob("*"))


# -------------------------------- a wrong method on the API (fixed in 86d2bbf; bare 405)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/lms/attempt/start"),
        ("GET", "/api/scorm/result"),
        ("PUT", "/scorm/runtime/commit"),
        ("GET", "/lms/attempt/discard"),
        ("POST", "/lms/enrolments/c12/state"),
        ("DELETE", "/lms/admin/enrolments"),
        ("GET", "/api/courses"),
    ],
)
def test_a_wrong_method_on_a_json_endpoint_answers_json(
    world: World, method: str, url: str
) -> None:
    response = world.clients["staff"].generic(method, url)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["ok"] is False and data["error"] and data["message"]
