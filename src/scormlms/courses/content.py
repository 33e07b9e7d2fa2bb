"""HTTP delivery of package files: MIME types, validators and byte ranges (RFC 9110 §13–14)."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date, parse_http_date_safe

from scormlms.courses.storage import FileInfo

# Types real packages need that the platform's mime table often lacks or gets wrong.
EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".swf": "application/x-shockwave-flash",
    ".pdf": "application/pdf",
    ".webp": "image/webp",
}
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_type(path: str) -> str:
    """The MIME type by extension, without a charset.

    No charset on purpose: an HTTP charset overrides the ``<meta charset>`` of the file itself,
    and legacy packages are often ISO-8859-1 or windows-1252; like a plain static server we let
    each file declare its own encoding.
    """
    dot = path.rfind(".")
    ext = path[dot:].lower() if dot >= 0 else ""
    return EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single ``bytes=`` range, or None to send the whole file.

    Raises :class:`RangeNotSatisfiable` for a well-formed range outside the file (→ 416).
    Multi-range requests are answered with the whole file, which RFC 9110 §14.2 allows.
    """
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    start_s, end_s = match.groups()
    if not start_s:  # suffix range: the last N bytes
        length = int(end_s)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - length, 0), size - 1
    start = int(start_s)
    end = int(end_s) if end_s else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def _stream(fh: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        fh.close()


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def file_response(
    request: HttpRequest,
    info: FileInfo,
    opener: Callable[[], BinaryIO],
    path: str,
    version: int,
) -> HttpResponseBase:
    """Answer GET/HEAD for one stored file with validators and Range support."""
    mtime = int(info.modified.timestamp())
    etag = f'"v{version}-{info.size:x}-{mtime:x}"'
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(mtime),
        "Accept-Ranges": "bytes",
        # Private: content is only for enrolled users; revalidate so a new version shows at once.
        "Cache-Control": "private, no-cache",
    }
    inm = request.headers.get("If-None-Match")
    ims = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    # RFC 9110 §13.1.2: weak comparison; If-Modified-Since only counts without If-None-Match.
    if (inm is not None and _etag_matches(inm, etag)) or (
        inm is None and ims is not None and mtime <= ims
    ):
        return HttpResponse(status=304, headers=headers)

    start, end, status = 0, info.size - 1, 200
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and (if_range is None or if_range == etag):
        try:
            parsed = parse_range(range_header, info.size)
        except RangeNotSatisfiable:
            headers["Content-Range"] = f"bytes */{info.size}"
            return HttpResponse(status=416, headers=headers)
        if parsed is not None:
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    length = max(end - start + 1, 0)
    headers["Content-Type"] = content_type(path)
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers)
    fh = opener()
    return StreamingHttpResponse(_stream(fh, start, length), status=status, headers=headers)
