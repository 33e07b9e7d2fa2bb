"""Memory of a large package upload: how much the server's RSS grows while it takes one.

    .venv/bin/python bench/upload_bench.py                       # granian and gunicorn, 400 MB

A staff user sends ``--mb`` megabytes of random bytes as the ``file`` of a multipart
``POST /api/courses`` (a fresh SQLite data dir, ``scormlms serve`` 2 workers x 4 threads). The
server must read the whole body, store it as a temporary file and answer 400 ``not_zip``. The
RSS of the server's process tree is sampled every 50 ms; the report is the growth from before
the upload to the peak, and the time the upload took.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Scormlms, scormlms_login  # noqa: E402

BOUNDARY = "scormlms-bench-boundary"
CHUNK = 1024 * 1024


def upload(server_name: str, megabytes: int) -> None:
    with Scormlms("sqlite", tag="upload") as lms:
        lms.manage("adduser", "boss", "--password", "boss-password-1", "--staff")
        server = lms.start(workers=2, threads=4, server=server_name)
        browser = scormlms_login(server.url, "boss", "boss-password-1")
        before = sum(server.rss().values()) * 1024
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], sum(server.rss().values()) * 1024)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        url = urllib.parse.urlsplit(server.url)
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=600)
        conn.putrequest("POST", "/api/courses")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        conn.putheader("Content-Length", str(len(head) + megabytes * CHUNK + len(tail)))
        conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in browser.cookies.items()))
        conn.putheader("X-CSRFToken", browser.cookies.get("csrftoken", ""))
        conn.endheaders()
        started = time.monotonic()
        conn.send(head)
        chunk = os.urandom(CHUNK)
        for _ in range(megabytes):
            conn.send(chunk)
        conn.send(tail)
        answer = conn.getresponse()
        body = answer.read()
        took = time.monotonic() - started
        done.set()
        sampler.join()
        print(
            f"{server_name}: {answer.status} {body[:80]!r}; {megabytes} MB in {took:.1f} s; "
            f"RSS {before / 1e6:.0f} MB before, peak {peak[0] / 1e6:.0f} MB "
            f"(+{(peak[0] - before) / 1e6:.0f} MB)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="granian,gunicorn")
    parser.add_argument("--mb", type=int, default=400, help="size of the upload in MB")
    args = parser.parse_args()
    for name in args.servers.split(","):
        upload(name, args.mb)


if __name__ == "__main__":
    main()
