"""Certificates: issued once per attempt (SPEC §5), a PDF with a public verification code."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from fpdf import FPDF

from scormlms.courses.models import Course
from scormlms.rows import Batch
from scormlms.tracking.models import Attempt, Certificate

log = logging.getLogger("scormlms.tracking")

# Unambiguous characters (no 0/O, 1/I/L) so a code read off paper can be typed back in.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


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
    that answers the request needs), and store its PDF once the transaction has committed.

    The PDF is written after the commit, not inside it: the attempt's lock is not held while
    fpdf2 renders, a transaction that rolls back leaves no file behind, and a PDF that cannot
    be rendered or stored (a full disk) never costs the learner the commit that passed. The
    failure is logged, and the download renders the same content from the row while the file
    is missing (``views.certificate_download``)."""
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

    def store_certificate_pdf() -> None:  # a named function: Django logs its __qualname__
        store_pdf(cert)

    transaction.on_commit(store_certificate_pdf, robust=True)
    if writes is None:
        cert.save()
    else:
        writes.insert([cert], FIELDS)
    return cert


def store_pdf(cert: Certificate) -> None:
    """Render the certificate and save it under the name its row holds."""
    saved = default_storage.save(cert.file, ContentFile(render_pdf(cert)))
    if saved != cert.file:  # the storage renamed it: the download renders from the row instead
        log.warning(
            "certificate_file_renamed", extra={"code": cert.code, "file": cert.file, "saved": saved}
        )


def _latin1(text: str) -> str:
    # The core PDF fonts speak Latin-1; anything else degrades to '?' rather than failing.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(cert: Certificate) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_draw_color(36, 86, 199)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("Helvetica", "B", 30)
    pdf.set_y(40)
    pdf.cell(0, 16, "Certificate of Achievement", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 15)
    pdf.cell(0, 12, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 16, _latin1(cert.learner_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 15)
    pdf.cell(0, 12, "has successfully completed", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(0, 12, _latin1(cert.course_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    score = f"Score: {cert.score_percent:.0f} %" if cert.score_percent is not None else ""
    date = cert.issued_at.strftime("%d %B %Y")
    pdf.ln(6)
    pdf.cell(0, 9, f"Date: {date}    {score}".strip(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(175)
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 8, f"Verification code: {cert.code}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Verify at /certificates/verify/{cert.code}", align="C")
    return bytes(pdf.output())
