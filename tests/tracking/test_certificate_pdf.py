"""The certificate PDF (SPEC §5): every script a name or a title may use, the absolute
verification URL as a link and a QR code, rendered on the first download and then served from
storage; and the public verification page with its form.

The PDF is read back the way a person's tools would: poppler's pdftotext for the text,
pdftoppm for the picture, zxing-cpp to read the QR code off that picture, pypdf for the link.
"""

from __future__ import annotations

import subprocess
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
import zxingcpp
from django.core.files.storage import default_storage
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from scormlms.tracking import certificates
from scormlms.tracking.models import Certificate
from tests.tracking.conftest import Learner, make_course

pytestmark = pytest.mark.django_db

GREEK = "Εισαγωγή στην ασφάλεια"


def pdf_text(data: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def pdf_links(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "links.pdf"
    path.write_bytes(data)
    page = pypdf.PdfReader(path).pages[0]
    uris = []
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        if annot["/Subtype"] == "/Link" and "/URI" in annot.get("/A", {}):
            uris.append(str(annot["/A"]["/URI"]))
    return uris


def qr_codes(data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Draw the page as pixels and read every barcode on it."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "-", str(tmp_path / "page")],
        input=data,
        check=True,
    )
    with Image.open(tmp_path / "page.png") as image:
        found = zxingcpp.read_barcodes(image)
    return [(str(code.format), code.text) for code in found]


def passed_certificate(
    learner_factory: Callable[..., Learner],
    *,
    first_name: str = "Ana",
    last_name: str = "Pereira",
    title: str = "Course c1",
) -> tuple[Learner, Certificate]:
    course = make_course()
    course.title = title
    course.save()
    ana = learner_factory(enrol=[course])
    ana.user.first_name, ana.user.last_name = first_name, last_name
    ana.user.save()
    started = ana.start("c1")
    answer = ana.result(started, {"cmi.success_status": "passed", "cmi.score.scaled": "0.9"})
    assert answer["certificateUrl"]
    return ana, Certificate.objects.get()


def download(learner: Learner, cert: Certificate) -> bytes:
    response = learner.client.get(f"/certificates/{cert.code}/download")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def stored_files() -> list[str]:
    folder = Path(default_storage.path("certificates"))
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------------- every script, exactly


@pytest.mark.parametrize(
    ("first_name", "last_name", "title"),
    [
        ("Łukasz", "Wójcik-Nguyễn 王", GREEK),  # Latin, Vietnamese, a Han name; Greek title
        ("Анна", "Кузнецова", "Основы информационной безопасности"),  # Cyrillic
        ("Trần Thị", "Hồng Nhung", "Nhập môn an toàn thông tin"),  # Vietnamese
        ("美咲", "佐藤", "情報セキュリティ入門と한국어 기초"),  # Han, Kana and Hangul
    ],
)
def test_names_and_titles_print_exactly_in_every_script(
    learner_factory: Callable[..., Learner], first_name: str, last_name: str, title: str
) -> None:
    ana, cert = passed_certificate(
        learner_factory, first_name=first_name, last_name=last_name, title=title
    )
    lines = pdf_text(download(ana, cert)).splitlines()
    assert f"{first_name} {last_name}" in lines
    assert title in lines
    assert "Score: 90 %" in " ".join(lines)


def test_the_cjk_font_is_embedded_only_when_a_name_or_title_needs_it(
    learner_factory: Callable[..., Learner],
) -> None:
    _, cert = passed_certificate(learner_factory, first_name="Анна", last_name="Nguyễn")
    assert b"NotoSansCJK" not in certificates.render_pdf(cert)
    cert.learner_name = "Łukasz Wójcik-Nguyễn 王"
    assert b"NotoSansCJK" in certificates.render_pdf(cert)


def test_a_name_typed_with_combining_accents_prints_as_the_accented_letters(
    learner_factory: Callable[..., Learner],
) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert len(decomposed) == 8  # e, circumflex, tilde: the font has no glyph for the pair
    ana, cert = passed_certificate(learner_factory, first_name="Thị", last_name=decomposed)
    assert "Thị Nguyễn" in pdf_text(download(ana, cert)).splitlines()


# -------------------------------------------------------------- the absolute verification URL


def test_the_verification_url_is_printed_linked_and_in_the_qr_code(
    learner_factory: Callable[..., Learner], settings: Any, tmp_path: Path
) -> None:
    settings.SITE_URL = "https://lms.example.org"
    ana, cert = passed_certificate(learner_factory)
    url = f"https://lms.example.org/certificates/verify/{cert.code}"
    data = download(ana, cert)
    assert url in pdf_text(data).split()
    assert pdf_links(data, tmp_path) == [url]
    assert qr_codes(data, tmp_path) == [("QR Code", url)]
    # The address a phone reaches from the QR code is the public page of this certificate.
    page = Client().get(url.removeprefix("https://lms.example.org"))
    assert page.status_code == 200 and cert.learner_name in page.content.decode()


def test_a_site_url_under_a_path_keeps_its_path(
    learner_factory: Callable[..., Learner], settings: Any, tmp_path: Path
) -> None:
    settings.SITE_URL = "http://10.0.0.7:8080/lms"
    ana, cert = passed_certificate(learner_factory)
    url = f"http://10.0.0.7:8080/lms/certificates/verify/{cert.code}"
    data = download(ana, cert)
    assert pdf_links(data, tmp_path) == [url]
    assert qr_codes(data, tmp_path) == [("QR Code", url)]


# ----------------------------------------------------------- rendered when first downloaded


def test_the_passing_commit_writes_no_pdf(
    learner_factory: Callable[..., Learner], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _, cert = passed_certificate(learner_factory)
    assert cert.file == f"certificates/{cert.code}.pdf"
    assert not default_storage.exists(cert.file)
    assert stored_files() == []


def test_the_first_download_renders_and_stores_and_later_ones_serve_the_file(
    learner_factory: Callable[..., Learner],
) -> None:
    ana, cert = passed_certificate(learner_factory)
    first = download(ana, cert)
    assert first.startswith(b"%PDF-")
    with default_storage.open(cert.file, "rb") as fh:
        assert fh.read() == first
    assert stored_files() == [f"{cert.code}.pdf"]
    # What the next download sends is the stored file, not a new rendering.
    Path(default_storage.path(cert.file)).write_bytes(b"%PDF-1.4 the stored one")
    assert download(ana, cert) == b"%PDF-1.4 the stored one"
    staff = learner_factory("staff", staff=True)
    assert download(staff, cert) == b"%PDF-1.4 the stored one"


def test_the_same_row_renders_the_same_bytes(learner_factory: Callable[..., Learner]) -> None:
    _, cert = passed_certificate(learner_factory)
    assert certificates.render_pdf(cert) == certificates.render_pdf(cert)


def test_first_downloads_at_once_store_one_whole_file(
    learner_factory: Callable[..., Learner],
) -> None:
    """Four renders race to store the same file while a reader keeps opening it: the reader
    only ever sees the whole PDF, and one file is left (no renamed copies, no temporary
    files)."""
    _, cert = passed_certificate(learner_factory)
    expected = certificates.render_pdf(cert)
    path = Path(default_storage.path(cert.file))
    stop = threading.Event()
    seen: list[bytes] = []

    def read_while_storing() -> None:
        while not stop.is_set():
            try:
                seen.append(path.read_bytes())
            except FileNotFoundError:
                continue

    reader = threading.Thread(target=read_while_storing)
    reader.start()
    writers = [threading.Thread(target=certificates.certificate_pdf, args=(cert,)) for _ in "1234"]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    stop.set()
    reader.join()
    assert path.read_bytes() == expected
    assert {len(s) for s in seen} <= {len(expected)} and all(s == expected for s in seen)
    assert stored_files() == [f"{cert.code}.pdf"]


def test_a_pdf_that_cannot_be_stored_is_still_downloaded_and_the_failure_logged(
    learner_factory: Callable[..., Learner], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    ana, cert = passed_certificate(learner_factory)

    def full_disk(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(certificates.tempfile, "mkstemp", full_disk)
    assert "Score: 90 %" in pdf_text(download(ana, cert))
    assert not default_storage.exists(cert.file)
    logged = [r for r in caplog.records if r.getMessage() == "certificate_not_stored"]
    assert logged and "No space left on device" in (logged[0].exc_text or "")
    monkeypatch.undo()
    download(ana, cert)  # the next download stores it
    assert default_storage.exists(cert.file)


@pytest.mark.parametrize(("family", "style"), [(0, "regular"), (1, "bold")])
def test_a_missing_font_is_logged_and_answers_a_readable_page(
    learner_factory: Callable[..., Learner], settings: Any, caplog: Any, family: int, style: str
) -> None:
    """Also the CJK font that this Latin name would not use: a missing file shows at once."""
    missing = f"/nowhere/font-{family}-{style}.ttf"
    fonts = [dict(font) for font in settings.CERTIFICATE_FONTS]
    fonts[family][style] = missing
    settings.CERTIFICATE_FONTS = fonts
    ana, cert = passed_certificate(learner_factory)
    response = ana.client.get(f"/certificates/{cert.code}/download")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "missing a font" in page and f"/certificates/verify/{cert.code}" in page
    errors = [r for r in caplog.records if r.getMessage() == "certificate_font_missing"]
    assert [(r.levelname, r.font) for r in errors] == [("ERROR", missing)]  # type: ignore[attr-defined]
    assert not default_storage.exists(cert.file)


# --------------------------------------------------------------------- the verification page


def test_verify_without_a_code_is_a_public_form() -> None:
    page = Client().get("/certificates/verify/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="get" action="/certificates/verify/"' in html
    assert 'name="code"' in html
    assert Client().get("/certificates/verify/?code=").status_code == 200


def test_the_form_finds_a_code_typed_any_way(learner_factory: Callable[..., Learner]) -> None:
    _, cert = passed_certificate(learner_factory, first_name="Łukasz", last_name="Wójcik")
    for typed in (cert.code, cert.code.lower(), cert.code.replace("-", ""), f" {cert.code} "):
        page = Client().get("/certificates/verify/", {"code": typed})
        assert page.status_code == 200, typed
        assert "Valid certificate" in page.content.decode()
        assert "Łukasz Wójcik" in page.content.decode()
    assert Client().get(f"/certificates/verify/{cert.code}").status_code == 200


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("NOPE-NOPE-NOPE", "No certificate has the code <code>NOPE-NOPE-NOPE</code>"),
        ("nope nope nope", "No certificate has the code <code>NOPE-NOPE-NOPE</code>"),
        ("<script>", "<code>&lt;SCRIPT&gt;</code> is not a certificate code"),
        ("x" * 500, "is not a certificate code"),
    ],
)
def test_an_unknown_or_malformed_code_is_a_404_that_says_so(typed: str, message: str) -> None:
    page = Client().get("/certificates/verify/", {"code": typed})
    assert page.status_code == 404
    assert message in page.content.decode()
    assert 'name="code"' in page.content.decode()  # the form, to try again


@hypothesis_settings(max_examples=60, deadline=None)
@given(typed=st.text(max_size=40))
def test_any_typed_code_answers_below_500(typed: str) -> None:
    page = Client().get("/certificates/verify/", {"code": typed})
    assert page.status_code in {200, 404}
