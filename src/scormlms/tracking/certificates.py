"""Certificates: issued once per attempt (SPEC §5), a PDF with a public verification code.

Issuing is the row, written in the commit that passed. The PDF is a rendering of that row,
made when it is first downloaded and kept in the default storage under the row's ``file``.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.urls import reverse
from fpdf import FPDF
from fpdf.fonts import TTFFont

from scormlms.courses.models import Course
from scormlms.rows import Batch
from scormlms.tracking.models import Attempt, Certificate

log = logging.getLogger("scormlms.tracking")

# Unambiguous characters (no 0/O, 1/I/L) so a code read off paper can be typed back in.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


class FontMissing(Exception):
    """A font file named by ``settings.CERTIFICATE_FONTS`` is not there: no PDF can be made."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"certificate font {path} is missing (install Debian's fonts-noto-core and "
            "fonts-noto-cjk, or point CERTIFICATE_FONTS at the fonts you have)"
        )
        self.path = path


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(typed: str) -> str:
    """A code as a person types it (any case, spaces, dashes or none) in its printed form."""
    code = re.sub(r"[\s-]+", "", typed).upper()
    if len(code) == 12:
        return f"{code[:4]}-{code[4:8]}-{code[8:]}"
    return typed.strip().upper()


def exists_for(attempt: Attempt) -> bool:
    """Whether the attempt has its certificate (free when it was select_related)."""
    try:
        attempt.certificate  # noqa: B018 - the attribute access is the lookup
    except Certificate.DoesNotExist:
        return False
    return True


def learner_display_name(user: AbstractBaseUser) -> str:
    full = f"{getattr(user, 'first_name', '')} {getattr(user, 'last_name', '')}".strip()
    return full or user.get_username()


# What a certificate row holds; its id comes from the database.
FIELDS = ["attempt", "code", "learner_name", "course_title", "score_percent", "issued_at", "file"]


def certificate_issue(
    *,
    attempt: Attempt,
    course: Course,
    learner: AbstractBaseUser,
    now: datetime,
    writes: Batch | None = None,
) -> Certificate:
    """Write the row (now, or as part of ``writes``; the row then has no id yet, which nothing
    that answers the request needs). Nothing else: the caller holds the attempt's lock, and the
    PDF is rendered when it is first downloaded (``certificate_pdf``), never in this request."""
    code = new_code()
    cert = Certificate(
        attempt=attempt,
        code=code,
        learner_name=learner_display_name(learner)[:255],
        course_title=course.title[:255],
        score_percent=attempt.score_percent,
        issued_at=now,
        file=f"certificates/{code}.pdf",
    )
    if writes is None:
        cert.save()
    else:
        writes.insert([cert], FIELDS)
    return cert


def verify_url(cert: Certificate) -> str:
    """The absolute address of the certificate's public verification page."""
    path = reverse("tracking:certificate_verify", kwargs={"code": cert.code})
    return f"{settings.SITE_URL}{path}"


def certificate_pdf(cert: Certificate) -> bytes:
    """Render the certificate and store it under ``cert.file``; return the bytes.

    The download calls this when the file is not stored yet. Two first downloads at once both
    render and both store: the rendering is a function of the row (its creation date is the
    issue date), so both write the same bytes. Each writes a temporary file beside the target
    and renames it into place, which is atomic on one filesystem, so a reader opens either no
    file or a whole one. A file that cannot be stored (a full disk) is logged and the learner
    still gets the PDF; the next download tries again. Raises ``FontMissing``."""
    data = render_pdf(cert)
    try:
        _store_whole(cert.file, data)
    except OSError:
        log.exception("certificate_not_stored", extra={"code": cert.code, "file": cert.file})
    return data


def _store_whole(name: str, data: bytes) -> None:
    # The default storage is the filesystem (settings.STORAGES); its save() writes in place,
    # where a concurrent download could open a half-written file.
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_fonts(pdf: FPDF, text: str) -> str:
    """Add the configured fonts that ``text`` needs; returns the family that sets the text.

    The first family always; each later one only while ``text`` has characters that the
    families before it lack, and then as a fallback (fpdf2 draws a character missing from the
    current font with the first fallback font that has it). Loading and subsetting the CJK
    collection costs about ten times the rest of the PDF, and most names need none of it.
    Every configured file must exist, needed or not, so a missing one shows on the first
    download rather than on the first learner whose name needs it."""
    fonts = settings.CERTIFICATE_FONTS
    for path in (str(font[key]) for font in fonts for key in ("regular", "bold")):
        if not Path(path).is_file():
            raise FontMissing(path)
    families: list[str] = []
    missing = {ord(c) for c in text if not c.isspace()}
    for n, font in enumerate(fonts):
        if families and not missing:
            break
        family = f"certificate{n}"
        face = int(font.get("face", 0))
        pdf.add_font(family, "", str(font["regular"]), collection_font_number=face)
        pdf.add_font(family, "B", str(font["bold"]), collection_font_number=face)
        added = pdf.fonts[family]
        assert isinstance(added, TTFFont)  # add_font makes TTF fonts; core fonts have no cmap
        missing -= added.cmap.keys()
        families.append(family)
    pdf.set_fallback_fonts(families[1:])
    return families[0]


def _text(value: str) -> str:
    # Composed form: a name typed with combining accents draws as the font's accented letters
    # (fpdf2 places glyphs one after another; it does not position combining marks).
    return unicodedata.normalize("NFC", value)


def _draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """A QR code of ``data`` as filled squares, one rectangle per run of dark modules in a row."""
    qr = segno.make_qr(data, error="m")
    rows = [list(row) for row in qr.matrix]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")


def render_pdf(cert: Certificate) -> bytes:
    """The certificate as an A4 landscape PDF. Raises ``FontMissing``."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_creation_date(cert.issued_at)  # the same row renders the same bytes
    url = verify_url(cert)
    family = _load_fonts(pdf, _text(cert.learner_name + cert.course_title + url))
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_draw_color(36, 86, 199)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font(family, "B", 30)
    pdf.set_y(32)
    pdf.cell(0, 16, "Certificate of Achievement", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 15)
    pdf.cell(0, 12, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 24)
    pdf.multi_cell(0, 14, _text(cert.learner_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 15)
    pdf.cell(0, 12, "has successfully completed", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(0, 12, _text(cert.course_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 13)
    score = f"Score: {cert.score_percent:.0f} %" if cert.score_percent is not None else ""
    date = cert.issued_at.strftime("%d %B %Y")
    pdf.ln(6)
    pdf.cell(0, 9, f"Date: {date}    {score}".strip(), align="C", new_x="LMARGIN", new_y="NEXT")

    _draw_qr(pdf, url, x=244, y=150, size=34)
    pdf.set_xy(24, 166)
    pdf.set_font(family, "", 11)
    pdf.cell(210, 7, f"Verification code: {cert.code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(24)
    pdf.cell(pdf.get_string_width("Verify at ") + 0.5, 7, "Verify at ")
    pdf.set_text_color(36, 86, 199)
    pdf.set_font(family, "", 11)
    pdf.multi_cell(190, 7, url, link=url)
    return bytes(pdf.output())
