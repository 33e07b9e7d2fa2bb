"""Certificate pages: the owner's (and staff's) PDF, and the public verification page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from scormlms.tracking.certificates import CODE_RE, render_pdf
from scormlms.tracking.models import Certificate


def certificate_download(request: HttpRequest, code: str) -> HttpResponseBase:
    if not CODE_RE.match(code):
        raise Http404("No such certificate.")
    cert = get_object_or_404(Certificate.objects.select_related("attempt"), code=code)
    if cert.attempt.learner_id != request.user.pk and not request.user.is_staff:
        raise PermissionDenied("This certificate belongs to another learner.")
    if default_storage.exists(cert.file):
        fh = default_storage.open(cert.file, "rb")
        return FileResponse(fh, content_type="application/pdf", filename=f"certificate-{code}.pdf")
    # The stored file is gone (e.g. a restored database): render the same content again.
    return HttpResponse(render_pdf(cert), content_type="application/pdf")


@login_not_required
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    code = code.strip().upper()
    cert = Certificate.objects.filter(code=code).first() if CODE_RE.match(code) else None
    status = 200 if cert else 404
    return render(request, "tracking/verify.html", {"cert": cert, "code": code}, status=status)
