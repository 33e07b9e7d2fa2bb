"""Fuzz the HTML pages: query strings, path parameters and staff forms never cause a 5xx.

The pages answer HTML, so the contract is smaller than the JSON endpoints': any status below
500, and a request that changed nothing when its form was refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hardening.conftest import fuzz_settings
from tests.hardening.helpers import body_of, build_world, db_snapshot, rolled_back
from tests.hardening.strategies import text

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Each page with the query parameters it reads.
PAGES = {
    "/": [],
    "/courses/c2004/": [],
    "/courses/c2004/play": ["item"],
    "/staff/courses/": [],
    "/staff/courses/c2004/report/": [],
    "/staff/attempts/": ["course", "status", "q", "ordering", "page", "after", "before"],
    "/certificates/verify/{code}": [],
}
VALUES = ["", "0", "1", "-1", "²", "٣", "99999999999999999999999", "sco2", "c2004", "ana"]
VALUES += ["In Progress", "Not Started", "-score", "learner", "%00", "\x00", "'", "<b>", "..%2f"]


def _value() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(VALUES).map(str.encode),
        text(30).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.binary(max_size=20),
    )


def _check(response: Any, request: str) -> None:
    exc_info = getattr(response, "exc_info", None)
    assert response.status_code < 500, f"{response.status_code} for {request}: {exc_info}"
    body_of(response)  # a streamed page fails while it is read, not before


def test_page_query_strings() -> None:
    world = build_world()

    @st.composite
    def requests(draw: st.DrawFn) -> tuple[str, str]:
        page = draw(st.sampled_from(sorted(PAGES)))
        names = st.sampled_from(PAGES[page]).map(str.encode) if PAGES[page] else st.nothing()
        pairs = draw(st.lists(st.tuples(names | st.binary(max_size=8), _value()), max_size=5))
        query = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)
        code = draw(st.sampled_from(["NOPE-NOPE-NOPE", ""]) | text(20))
        path = page.format(code=quote(code.encode("utf-8", "surrogatepass"), safe="") or "x")
        return draw(st.sampled_from(["A", "B", "C", "staff", "anon"])), f"{path}?{query}"

    @fuzz_settings(120)
    @given(request=requests())
    def run(request: tuple[str, str]) -> None:
        who, url = request
        with rolled_back():
            _check(world.clients[who].get(url), f"{who} GET {url}")

    run()


def test_content_paths() -> None:
    world = build_world()
    pieces = st.sampled_from(["..", ".", "", "sco1.html", "%00", "%2e%2e", "\\", "a"]) | text(12)

    @fuzz_settings(60)
    @given(parts=st.lists(pieces, min_size=1, max_size=5), who=st.sampled_from(["A", "C"]))
    def run(parts: list[str], who: str) -> None:
        path = "/".join(quote(p.encode("utf-8", "surrogatepass"), safe="%") for p in parts)
        url = f"/content/c2004/{path}"
        with rolled_back():
            _check(world.clients[who].get(url), f"{who} GET {url}")

    run()


def test_staff_forms() -> None:
    """Course settings and enrolment forms with any field values: saved, or refused and
    nothing changed."""
    world = build_world()
    fields = {
        "/staff/courses/c2004/settings/": [
            "title",
            "description",
            "relaunch_policy",
            "certificate_on",
            "passing_score",
            "self_enrol",
        ],
        "/staff/courses/c2004/enrol/": ["usernames"],
    }
    words = ["", "resume", "new", "passed", "completed", "50", "100.001", "-1", "1e3", "NaN"]
    words += ["on", "ana", "ana, ben", "nobody", "x" * 300]
    # What a browser can send: text it can encode (lone surrogates become U+FFFD).
    sendable = text(40).map(lambda s: s.encode("utf-8", "replace").decode())
    values = st.sampled_from(words) | sendable

    @st.composite
    def forms(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
        url = draw(st.sampled_from(sorted(fields)))
        data = draw(st.dictionaries(st.sampled_from(fields[url]), values))
        return url, data

    @fuzz_settings(60)
    @given(form=forms())
    def run(form: tuple[str, dict[str, str]]) -> None:
        url, data = form
        with rolled_back():
            before = db_snapshot()
            response = world.clients["staff"].post(url, data)
            _check(response, f"staff POST {url} {data!r}")
            if response.status_code != 302:  # refused: the form is shown again
                assert db_snapshot() == before, f"a refused form changed the db: {url} {data}"

    run()
