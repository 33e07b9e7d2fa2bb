"""Minimal reproductions of the bugs in ``bugs.py``: what the fuzzers found, shrunk.

Each asserts the behaviour the contract asks for (a 4xx with a JSON error, nothing written).
While a bug is open the test is an ``xfail(strict=True)`` on the databases where it shows; the
fix turns it into an XPASS, which fails until the bug's entry in ``bugs.py`` is deleted.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hardening.bugs import known_bug
from tests.hardening.helpers import World, build_world, exercise, post_json
from tests.hardening.test_fuzz_api import CMI_2004, VALUES_12, VALUES_2004, _result

pytestmark = pytest.mark.django_db
PG = frozenset({"postgresql"})


@pytest.fixture
def world() -> World:
    return build_world()


def _commit(world: World, key: str, values: dict[str, str], cmi: Any = None) -> Any:
    base = VALUES_2004 if key == "A" else VALUES_12
    body = _result(world, key, {**base, **values}, cmi if cmi is not None else CMI_2004)
    if key != "A":
        body["cmi"] = cmi
    return exercise(
        lambda: post_json(world.clients["A"], "/api/scorm/result", body),
        f"POST /api/scorm/result {values} {cmi}",
    )


# ------------------------------------------------------------------- lone surrogates


@known_bug("surrogates")
def test_start_with_a_lone_surrogate_course_id(world: World) -> None:
    exercise(
        lambda: post_json(world.clients["A"], "/lms/attempt/start", {"courseId": "\ud800"}),
        "POST /lms/attempt/start courseId=\\ud800",
    )


@known_bug("surrogates")
def test_lone_surrogate_in_the_location(world: World) -> None:
    _commit(world, "A", {"cmi.location": "\ud800"})


@known_bug("surrogates")
def test_lone_surrogate_in_scorm12_suspend_data(world: World) -> None:
    _commit(world, "A12", {"cmi.suspend_data": "a\udfffb"})


@known_bug("surrogates", databases=PG)
def test_lone_surrogate_in_the_cmi_tree(world: World) -> None:
    _commit(world, "A", {}, {"cmi": {"interactions": [{"id": "q1", "learner_response": "\ud800"}]}})


@known_bug("surrogates", databases=PG)
def test_lone_surrogate_as_a_cmi_tree_key(world: World) -> None:
    _commit(world, "A", {}, {"cmi": {"\ud800": "x"}})


# ---------------------------------------------------------------------------- NUL


@known_bug("nul")
def test_start_with_nul_in_the_course_id(world: World) -> None:
    exercise(
        lambda: post_json(world.clients["A"], "/lms/attempt/start", {"courseId": "c\x00"}),
        "POST /lms/attempt/start courseId=c\\x00",
    )


@known_bug("nul")
def test_nul_in_the_location(world: World) -> None:
    _commit(world, "A", {"cmi.location": "a\x00b"})


@known_bug("nul")
def test_nul_in_the_cmi_tree(world: World) -> None:
    _commit(world, "A", {}, {"cmi": {"comments_from_learner": [{"comment": "\x00"}]}})


@known_bug("nul")
@pytest.mark.parametrize("param", ["q", "course", "learner"])
def test_nul_in_an_admin_list_filter(world: World, param: str) -> None:
    url = f"/lms/admin/enrolments?{param}=%00"
    exercise(lambda: world.clients["staff"].get(url), f"GET {url}")


@known_bug("nul")
@pytest.mark.parametrize("url", ["/certificates/verify/%00", "/certificates/%00/download"])
def test_nul_in_a_certificate_code(world: World, url: str) -> None:
    response = world.clients["staff"].get(url)
    assert response.status_code == 404


# ---------------------------------------------------------------------------- other


@known_bug("deep-json")
@pytest.mark.parametrize("url", ["/lms/attempt/start", "/api/scorm/result"])
def test_deeply_nested_json_body(world: World, url: str) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    data = exercise(lambda: post_json(world.clients["A"], url, body), f"POST {url} [[[…]]]")
    assert data["error"] == "bad_json"


@known_bug("unicode-digits")
@pytest.mark.parametrize("value", ["%C2%B2", "1%C2%B2"])  # "²", "1²"
def test_superscript_digit_as_a_page_number(world: World, value: str) -> None:
    url = f"/lms/admin/enrolments?page={value}"
    data = exercise(lambda: world.clients["staff"].get(url), f"GET {url}")
    assert data["field"] == "page"
