"""``GET /content/<course>/<path>``: who may read, MIME types, ranges, validators, escaping."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils.http import http_date

from scormlms.courses.models import Course, Enrolment
from scormlms.courses.services import course_import
from tests.courses.conftest import PASSWORD
from tests.scorm import zipfactory as zf

pytestmark = pytest.mark.django_db

CLIP = bytes(range(256)) * 40  # 10,240 bytes
LATIN1_PAGE = "<meta charset='iso-8859-1'><p>Café</p>".encode("latin-1")
FILES: dict[str, bytes] = {
    "app.js": b"console.log('hi');",
    "style.css": b"body{color:red}",
    "logo.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    "fonts/body.woff2": b"wOF2fake",
    "media/clip.mp4": CLIP,
    "data/items.json": b'{"a": 1}',
    "data/items.xml": b"<items/>",
    "latin1.html": LATIN1_PAGE,
}


@pytest.fixture
def course() -> Course:
    data = zf.package(*FILES.items())
    return course_import(source=io.BytesIO(data), course_id="media").course


def logged_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def enrolled(learner: User, course: Course) -> Client:
    Enrolment.objects.create(learner=learner, course=course)
    return logged_in(learner)


def body(response: HttpResponseBase) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def get(client: Client, path: str, **headers: Any) -> HttpResponseBase:
    return client.get(f"/content/media/{path}", headers=headers)


# --------------------------------------------------------------------------- access


def test_anonymous_users_are_sent_to_the_login_page(course: Course) -> None:
    response = get(Client(), "index.html")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/content/media/index.html")


def test_learners_not_enrolled_are_refused(course: Course, learner: User) -> None:
    assert get(logged_in(learner), "index.html").status_code == 403


def test_enrolled_learner_reads_the_file(enrolled: Client) -> None:
    response = get(enrolled, "index.html")
    assert response.status_code == 200
    assert body(response) == b"<html>lesson</html>"
    assert response["Content-Length"] == str(len(b"<html>lesson</html>"))
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Accept-Ranges"] == "bytes"


def test_staff_read_every_course(course: Course, staff: User) -> None:
    response = get(logged_in(staff), "media/clip.mp4")
    assert response.status_code == 200 and body(response) == CLIP


def test_unknown_course_is_404(staff: User) -> None:
    assert logged_in(staff).get("/content/nope/index.html").status_code == 404


def test_only_get_and_head(enrolled: Client) -> None:
    assert enrolled.post("/content/media/index.html").status_code == 405


# --------------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("index.html", "text/html"),
        ("app.js", "text/javascript"),
        ("style.css", "text/css"),
        ("logo.svg", "image/svg+xml"),
        ("fonts/body.woff2", "font/woff2"),
        ("media/clip.mp4", "video/mp4"),
        ("data/items.json", "application/json"),
        ("data/items.xml", "application/xml"),
        ("imsmanifest.xml", "application/xml"),
    ],
)
def test_content_types(enrolled: Client, path: str, ctype: str) -> None:
    response = get(enrolled, path)
    assert response.status_code == 200
    assert response["Content-Type"] == ctype
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_charset_overrides_the_page_declaration(enrolled: Client) -> None:
    """A legacy ISO-8859-1 page keeps its own <meta charset> (an HTTP charset would win)."""
    response = get(enrolled, "latin1.html")
    assert response["Content-Type"] == "text/html"
    assert body(response) == LATIN1_PAGE


# --------------------------------------------------------------------------- ranges


def test_first_bytes(enrolled: Client) -> None:
    response = get(enrolled, "media/clip.mp4", Range="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-9/{len(CLIP)}"
    assert response["Content-Length"] == "10"
    assert body(response) == CLIP[:10]


def test_suffix_range(enrolled: Client) -> None:
    response = get(enrolled, "media/clip.mp4", Range="bytes=-5")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {len(CLIP) - 5}-{len(CLIP) - 1}/{len(CLIP)}"
    assert body(response) == CLIP[-5:]


def test_open_ended_range(enrolled: Client) -> None:
    response = get(enrolled, "media/clip.mp4", Range="bytes=10000-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10000-{len(CLIP) - 1}/{len(CLIP)}"
    assert body(response) == CLIP[10000:]


def test_range_past_the_end_is_clamped(enrolled: Client) -> None:
    response = get(enrolled, "media/clip.mp4", Range="bytes=10200-99999")
    assert response.status_code == 206
    assert body(response) == CLIP[10200:]


@pytest.mark.parametrize("header", [f"bytes={len(CLIP)}-", "bytes=-0", "bytes=20000-20010"])
def test_unsatisfiable_range(enrolled: Client, header: str) -> None:
    response = get(enrolled, "media/clip.mp4", Range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CLIP)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=5-2x"])
def test_ranges_we_do_not_serve_get_the_whole_file(enrolled: Client, header: str) -> None:
    response = get(enrolled, "media/clip.mp4", Range=header)
    assert response.status_code == 200 and body(response) == CLIP


def test_if_range_with_an_old_etag_gets_the_whole_file(enrolled: Client) -> None:
    response = get(enrolled, "media/clip.mp4", Range="bytes=0-9", If_Range='"v0-old"')
    assert response.status_code == 200 and body(response) == CLIP


# --------------------------------------------------------------------------- validators


def test_etag_revalidation(enrolled: Client) -> None:
    etag = get(enrolled, "app.js")["ETag"]
    assert etag.startswith('"v1-')
    not_modified = get(enrolled, "app.js", If_None_Match=etag)
    assert not_modified.status_code == 304 and body(not_modified) == b""
    assert not_modified["ETag"] == etag
    assert get(enrolled, "app.js", If_None_Match=f'"x", W/{etag}').status_code == 304
    assert get(enrolled, "app.js", If_None_Match='"something-else"').status_code == 200


def test_last_modified_revalidation(enrolled: Client) -> None:
    last_modified = get(enrolled, "style.css")["Last-Modified"]
    assert get(enrolled, "style.css", If_Modified_Since=last_modified).status_code == 304
    assert get(enrolled, "style.css", If_Modified_Since=http_date(0)).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
    response = get(enrolled, "style.css", If_None_Match='"x"', If_Modified_Since=last_modified)
    assert response.status_code == 200


def test_new_version_changes_the_etag(enrolled: Client, course: Course) -> None:
    etag = get(enrolled, "app.js")["ETag"]
    course_import(source=io.BytesIO(zf.package(*FILES.items())), course_id="media")
    response = get(enrolled, "app.js", If_None_Match=etag)
    assert response.status_code == 200 and response["ETag"].startswith('"v2-')


def test_head(enrolled: Client) -> None:
    response = enrolled.head("/content/media/media/clip.mp4")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(CLIP))
    assert response["Content-Type"] == "video/mp4"
    assert body(response) == b""


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("path", ["media", "media/", "fonts", "missing.html"])
def test_folders_and_missing_files_are_404(enrolled: Client, path: str) -> None:
    assert get(enrolled, path).status_code == 404


def test_no_directory_listing_at_the_course_root(enrolled: Client) -> None:
    assert enrolled.get("/content/media/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "../../{other}/secret.html",
        "media/../../../{other}/secret.html",
        "%2e%2e/%2e%2e/{other}/secret.html",
        "..%2f..%2f{other}%2fsecret.html",
        "..%5c..%5c{other}%5csecret.html",
        "{root}/{other}/secret.html",
        "/{root}/{other}/secret.html",
        "../../{other}/secret.html%00.png",
    ],
)
def test_paths_never_leave_the_package(
    enrolled: Client, staff: User, course: Course, package_dir: Path, path: str
) -> None:
    other = course_import(
        source=io.BytesIO(zf.package(("secret.html", b"TOP SECRET"))), course_id="other"
    ).course
    # Without the checks these paths would reach the other course's file.
    escape = package_dir / course.content_key / "../.." / other.content_key / "secret.html"
    assert escape.resolve().read_bytes() == b"TOP SECRET"
    url = path.format(other=other.content_key, root=str(package_dir).lstrip("/"))
    for client in (enrolled, logged_in(staff)):
        response = get(client, url)
        assert response.status_code in (400, 404)
        assert b"TOP SECRET" not in body(response)
