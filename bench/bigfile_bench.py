"""Memory of large files: how much the server's RSS grows while it takes one package upload and
while it serves one big file of a package.

    .venv/bin/python bench/bigfile_bench.py                      # granian and gunicorn, 400 MB

Both on a fresh SQLite data dir with ``scormlms serve`` (2 workers x 4 threads) and a staff
user:

* ``upload``: ``--mb`` megabytes of random bytes as the ``file`` of a multipart
  ``POST /api/courses``. The server must read the whole body, store it as a temporary file and
  answer 400 ``not_zip``.
* ``download``: a package imported beforehand (``scormlms import``) holds a ``--mb`` MB file;
  ``GET /content/<course>/media/big.bin`` streams it and the client reads it to the end.

The RSS of the server's process tree is sampled every 50 ms; the report is the growth from
before the request to the peak, and the time the request took.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))

from common import Scormlms, Server, memory_sampler, scormlms_login  # noqa: E402
from peers import MANIFEST  # noqa: E402

BOUNDARY = "scormlms-bench-boundary"
CHUNK = 1024 * 1024
COURSE = "bigfile"


def big_package(path: Path, megabytes: int) -> Path:
    """A one-SCO package (stored, not deflated) with ``media/big.bin`` of random bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("imsmanifest.xml", MANIFEST)
        zf.writestr("index.html", "<!doctype html><title>Big</title><p>Big</p>\n")
        with zf.open("media/big.bin", "w", force_zip64=True) as out:
            chunk = os.urandom(CHUNK)
            for _ in range(megabytes):
                out.write(chunk)
    return path


def measured(server: Server, request: Callable[[], str]) -> str:
    """Run ``request`` while sampling the server's RSS; its outcome with the growth."""
    before = sum(server.rss().values()) * 1024
    samples: list[Any] = []
    done = threading.Event()
    sampler = threading.Thread(target=memory_sampler, args=(server, 0.05, done, samples))
    sampler.start()
    started = time.monotonic()
    try:
        outcome = request()
    finally:
        done.set()
        sampler.join()
    peak = max(before, *(kb * 1024 for _, kb, _ in samples))
    return (
        f"{outcome} in {time.monotonic() - started:.1f} s; RSS {before / 1e6:.0f} MB before, "
        f"peak {peak / 1e6:.0f} MB (+{(peak - before) / 1e6:.0f} MB)"
    )


def run(server_name: str, megabytes: int) -> None:
    with Scormlms("sqlite", tag="bigfile") as lms:
        lms.manage("adduser", "boss", "--password", "boss-password-1", "--staff")
        package = big_package(lms.data_dir / "big.zip", megabytes)
        lms.manage("import", str(package), "--course-id", COURSE)
        package.unlink()
        server = lms.start(workers=2, threads=4, server=server_name)
        browser = scormlms_login(server.url, "boss", "boss-password-1")
        url = urllib.parse.urlsplit(server.url)
        cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())

        def connect() -> http.client.HTTPConnection:
            return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=600)

        def upload() -> str:
            head = (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.zip"\r\nContent-Type: application/zip\r\n\r\n'
            ).encode()
            tail = f"\r\n--{BOUNDARY}--\r\n".encode()
            conn = connect()
            conn.putrequest("POST", "/api/courses")
            conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
            conn.putheader("Content-Length", str(len(head) + megabytes * CHUNK + len(tail)))
            conn.putheader("Cookie", cookies)
            conn.putheader("X-CSRFToken", browser.cookies.get("csrftoken", ""))
            conn.endheaders()
            conn.send(head)
            chunk = os.urandom(CHUNK)
            for _ in range(megabytes):
                conn.send(chunk)
            conn.send(tail)
            answer = conn.getresponse()
            body = answer.read()
            conn.close()
            return f"upload {megabytes} MB: {answer.status} {body[:60]!r}"

        def download() -> str:
            conn = connect()
            conn.request("GET", f"/content/{COURSE}/media/big.bin", headers={"Cookie": cookies})
            answer = conn.getresponse()
            size = 0
            while block := answer.read(CHUNK):
                size += len(block)
            conn.close()
            return f"download: {answer.status}, {size / CHUNK:.0f} MB"

        for request in (upload, download):
            print(f"{server_name}: {measured(server, request)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="granian,gunicorn")
    parser.add_argument("--mb", type=int, default=400, help="size of the file in MB")
    args = parser.parse_args()
    for name in args.servers.split(","):
        run(name, args.mb)


if __name__ == "__main__":
    main()
