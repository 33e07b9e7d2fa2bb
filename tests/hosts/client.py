"""A learner over plain HTTP whose cookies go to whichever host a request names.

A browser keeps cookies per host name; behind a load balancer every host has the same name, so
one cookie reaches them all. :class:`Learner` does the same with the hosts' own addresses: one
cookie jar, any base URL, no redirects followed (a test wants to see the 302 to the login page).
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

PASSWORD = "hosts-pass-1"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return f"{self.status} {self.body[:300]!r}"


class Learner:
    def __init__(self, username: str) -> None:
        self.username = username
        self.cookies: dict[str, str] = {}

    def request(
        self,
        base: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> Reply:
        """One request to ``base`` with this learner's cookies (or ``cookies``: an old copy,
        which the answer does not update)."""
        url = urllib.parse.urlsplit(base)
        sent = dict(headers or {})
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        try:
            conn.request(method, path, body, sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        if cookies is None:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, data)

    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def log_in(self, base: str) -> None:
        """Through the login form, as a browser would."""
        self.request(base, "GET", "/accounts/login/")
        form = {"username": self.username, "password": PASSWORD}
        reply = self.form(base, "/accounts/login/", form)
        assert reply.status == 302, f"login at {base} failed: {reply}"

    def log_out(self, base: str) -> None:
        reply = self.form(base, "/accounts/logout/", {})
        assert reply.status == 302, f"logout at {base} failed: {reply}"

    def form(self, base: str, path: str, fields: dict[str, str]) -> Reply:
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(base, "POST", path, body, headers)

    def post_json(
        self, base: str, path: str, data: Any, headers: dict[str, str] | None = None
    ) -> Reply:
        sent = {"Content-Type": "application/json", "X-CSRFToken": self.csrf(), **(headers or {})}
        return self.request(base, "POST", path, json.dumps(data).encode(), sent)

    def get(self, base: str, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request(base, "GET", path, headers=headers)


def commit_body(started: dict[str, Any], seq: int, values: dict[str, str]) -> dict[str, Any]:
    """The ``/api/scorm/result`` body the player sends for a ``/lms/attempt/start`` answer."""
    launch = started["launch"]
    return {
        "attemptId": started["attemptId"],
        "itemId": launch["itemId"],
        "token": launch["token"],
        "standard": launch["standard"],
        "reason": "commit",
        "seq": seq,
        "values": values,
    }
