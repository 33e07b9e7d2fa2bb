"""Certificate pages: the owner's (and staff's) PDF, and the public verification page."""

from __future__ import annotations

import io
import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from scormlms.tracking.certificates import CODE_RE, FontMissing, certificate_pdf, normalize_code
from scormlms.tracking.models import Certificate

log = logging.getLogger("scormlms.tracking")


def certificate_download(request: HttpRequest, code: str) -> HttpResponseBase:
    """The stored PDF; the first download renders and stores it (``certificate_pdf``).

    Without its fonts no PDF can be made: the error is logged for the administrators and the
    learner gets a page that says so (503: the certificate is valid, the server lacks a part)."""
    if not CODE_RE.match(code):
        raise Http404("No such certificate.")
    cert = get_object_or_404(Certificate.objects.select_related("attempt"), code=code)
    if cert.attempt.learner_id != request.user.pk and not request.user.is_staff:
        raise PermissionDenied("This certificate belongs to another learner.")
    filename = f"certificate-{code}.pdf"
    try:
        stored = default_storage.open(cert.file, "rb")
    except FileNotFoundError:
        try:
            data = certificate_pdf(cert)
        except FontMissing as exc:
            log.error("certificate_font_missing", extra={"code": code, "font": exc.path})
            return render(
                request, "tracking/certificate_unavailable.html", {"cert": cert}, status=503
            )
        return FileResponse(io.BytesIO(data), content_type="application/pdf", filename=filename)
    return FileResponse(stored, content_type="application/pdf", filename=filename)


@login_not_required
def certificate_verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Public: the certificate a code names. ``/certificates/verify/`` without a code is a form
    (GET ``code``) that answers on the same page. A code that names no certificate, well-formed
    or not, is a 404 with a message; an empty form is the form again."""
    typed = code if code is not None else request.GET.get("code", "")
    code = normalize_code(typed)
    if not code:
        return render(request, "tracking/verify.html", {"cert": None, "code": ""})
    cert = Certificate.objects.filter(code=code).first() if CODE_RE.match(code) else None
    context = {"cert": cert, "code": code, "well_formed": bool(CODE_RE.match(code))}
    return render(request, "tracking/verify.html", context, status=200 if cert else 404)
