"""``POST /api/courses`` (multipart): staff only, JSON answers, CSRF, each package error."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from scormlms.courses.models import Course
from scormlms.scorm import manifest as mf
from scormlms.scorm import package as pkg
from tests.courses.conftest import PASSWORD, leftovers
from tests.scorm import zipfactory as zf

pytestmark = pytest.mark.django_db

URL = "/api/courses"


def logged_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def upload(client: Client, data: bytes, name: str = "course.zip", **extra: Any) -> Any:
    """The test client's response (``.json()`` included)."""
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "application/zip"), **extra})


def test_staff_imports_a_package(staff: User, samples: dict[str, Path]) -> None:
    response = upload(logged_in(staff), samples["multisco2004"].read_bytes())
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "ok": True,
        "courseId": "scormlms-examples-multisco2004",
        "title": "Accessible pages (SCORM 2004 multi-SCO sample)",
        "standard": "2004",
        "version": 1,
        "created": True,
        "items": 4,
        "warnings": [],
    }
    assert Course.objects.get().items.count() == 4


def test_warnings_are_returned(staff: User) -> None:
    manifest = zf.MANIFEST_12.replace(
        b'<file href="index.html"/>', b'<file href="index.html"/><file href="gone.png"/>'
    )
    response = upload(logged_in(staff), zf.package(manifest=manifest))
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert "gone.png" in warning


def test_reimport_with_course_id_is_version_two(staff: User, samples: dict[str, Path]) -> None:
    client = logged_in(staff)
    first = upload(client, samples["quiz12"].read_bytes(), courseId="quiz")
    assert first.status_code == 201 and first.json()["courseId"] == "quiz"
    second = upload(client, samples["quiz12"].read_bytes(), courseId="quiz")
    assert second.status_code == 200
    assert second.json()["version"] == 2 and second.json()["created"] is False
    assert Course.objects.get().version == 2


def test_learners_get_403_json(learner: User, samples: dict[str, Path], package_dir: Path) -> None:
    response = upload(logged_in(learner), samples["quiz12"].read_bytes())
    assert response.status_code == 403
    assert response.json()["ok"] is False and response.json()["error"] == "forbidden"
    assert Course.objects.count() == 0 and leftovers(package_dir) == []


def test_logged_out_gets_401_json(samples: dict[str, Path]) -> None:
    response = upload(Client(), samples["quiz12"].read_bytes())
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_get_is_not_allowed(staff: User) -> None:
    assert logged_in(staff).get(URL).status_code == 405


BAD_PACKAGES: dict[str, tuple[bytes, str]] = {
    pkg.NOT_ZIP: (b"just text", "not a zip archive"),
    pkg.CORRUPT_ZIP: (zf.package()[:-30], "damaged"),
    pkg.ZIP_SLIP: (zf.package(("../x.html", b"x")), "'..'"),
    pkg.ABSOLUTE_PATH: (zf.package(("/x.html", b"x")), "absolute path"),
    pkg.UNSAFE_NAME: (zf.package(("a\x01b.html", b"x")), "control characters"),
    pkg.SYMLINK: (zf.package((zf.symlink_info("l"), b"/etc")), "symbolic link"),
    pkg.SPECIAL_FILE: (zf.package((zf.special_info("fifo", 0o010644), b"")), "FIFO"),
    pkg.ENCRYPTED_ENTRY: (
        zf.patch_entry(zf.package(("s.html", b"x")), "s.html", flag_bits=1),
        "password-protected",
    ),
    pkg.UNSUPPORTED_COMPRESSION: (
        zf.patch_entry(zf.package(("s.html", b"x")), "s.html", method=99),
        "compression method",
    ),
    pkg.DUPLICATE_NAME: (zf.package(("index.html", b"again")), "two entries"),
    pkg.TOO_MANY_FILES: (zf.many_files(20_001), "entries"),
    # These two are uploaded with SCORMLMS_MAX_PACKAGE_BYTES = 10,000.
    pkg.TOO_LARGE: (zf.package(("a.bin", bytes(6000)), ("b.bin", bytes(6000))), "at most"),
    pkg.ENTRY_TOO_LARGE: (zf.package(("big.bin", bytes(20_000))), "one file may be"),
    pkg.SUSPICIOUS_COMPRESSION: (zf.zero_bomb(16 * 1024 * 1024), "zip bomb"),
    pkg.SIZE_MISMATCH: (
        zf.patch_entry(zf.package(("big.bin", b"y" * 1000)), "big.bin", file_size=2000),
        "declares",
    ),
    pkg.MANIFEST_TOO_LARGE: (
        zf.package(manifest=zf.MANIFEST_12 + base64.b64encode(os.urandom(9 * 1024 * 1024))),
        "imsmanifest.xml is",
    ),
    pkg.NO_MANIFEST: (zf.build_zip([("course/imsmanifest.xml", zf.MANIFEST_12)]), "course"),
    pkg.AICC_NOT_SUPPORTED: (zf.build_zip([("c.crs", b""), ("c.au", b"")]), "AICC"),
    mf.UNSAFE_XML: (zf.package(manifest=b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'), "DTD"),
    mf.MALFORMED_XML: (zf.package(manifest=b"<manifest>\n<oops></manifest>"), "line 2"),
    mf.NOT_SCORM: (zf.package(manifest=b"<html/>"), "<html>"),
    mf.NO_ORGANIZATIONS: (
        zf.package(manifest=b"<manifest><organizations/><resources/></manifest>"),
        "organization",
    ),
    mf.MISSING_RESOURCE: (
        zf.package(manifest=zf.MANIFEST_12.replace(b'identifierref="r1"', b'identifierref="r9"')),
        "r9",
    ),
    mf.SCO_WITHOUT_HREF: (
        zf.package(manifest=zf.MANIFEST_12.replace(b' href="index.html">', b">")),
        "href",
    ),
    mf.MANIFEST_TOO_COMPLEX: (
        zf.package(manifest=b"<manifest>" + b"<a>" * 300 + b"</a>" * 300 + b"</manifest>"),
        "levels deep",
    ),
    mf.NO_LAUNCHABLE_ITEMS: (
        zf.package(manifest=zf.MANIFEST_12.replace(b' identifierref="r1"', b"")),
        "nothing to open",
    ),
    mf.MISSING_LAUNCH_FILE: (
        zf.build_zip([("imsmanifest.xml", zf.MANIFEST_12)]),
        "index.html",
    ),
}


@pytest.mark.parametrize("code", sorted(BAD_PACKAGES))
def test_each_package_error_is_a_400_naming_file_and_the_rule(
    code: str, staff: User, package_dir: Path, settings: LazySettings
) -> None:
    data, phrase = BAD_PACKAGES[code]
    if code in (pkg.TOO_LARGE, pkg.ENTRY_TOO_LARGE):
        settings.SCORMLMS_MAX_PACKAGE_BYTES = 10_000
    response = upload(logged_in(staff), data)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert (answer["ok"], answer["field"], answer["error"]) == (False, "file", code)
    assert phrase.lower() in answer["message"].lower()
    assert Course.objects.count() == 0 and leftovers(package_dir) == []


def test_every_package_error_code_is_covered() -> None:
    codes = {getattr(pkg, name) for name in pkg.__all__ if name.isupper()} - {pkg.MANIFEST_NAME}
    codes |= {
        getattr(mf, name)
        for name in mf.__all__
        if name.isupper() and isinstance(getattr(mf, name), str)  # not HIDE_LMS_UI's tuple
    }
    assert codes <= set(BAD_PACKAGES)


def test_non_zip_file_name_is_refused_by_the_form(staff: User) -> None:
    response = upload(logged_in(staff), b"hello", name="notes.txt")
    assert response.status_code == 400
    answer = response.json()
    assert answer["field"] == "file" and ".zip" in answer["message"]


def test_missing_file(staff: User) -> None:
    response = logged_in(staff).post(URL, {"courseId": "x"})
    assert response.status_code == 400
    assert response.json()["field"] == "file"


def test_bad_course_id(staff: User, samples: dict[str, Path]) -> None:
    response = upload(logged_in(staff), samples["quiz12"].read_bytes(), courseId="a/b")
    assert response.status_code == 400
    assert response.json()["field"] == "courseId"


def test_upload_over_the_limit_is_413(staff: User, settings: LazySettings) -> None:
    settings.SCORMLMS_MAX_UPLOAD_BYTES = 1024 * 1024
    response = upload(logged_in(staff), bytes(1024 * 1024 + 1))
    assert response.status_code == 413
    assert "1 MB" in response.json()["message"]


def test_csrf_is_enforced(staff: User, samples: dict[str, Path]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.login(username=staff.username, password=PASSWORD)
    data = samples["quiz12"].read_bytes()
    refused = upload(client, data)
    assert refused.status_code == 403
    assert Course.objects.count() == 0
    page = client.get("/staff/courses/")
    token = page.context["csrf_token"]
    accepted = client.post(
        URL,
        {"file": SimpleUploadedFile("c.zip", data, "application/zip")},
        headers={"X-CSRFToken": str(token)},
    )
    assert accepted.status_code == 201, json.loads(accepted.content)
