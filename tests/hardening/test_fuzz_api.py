"""Fuzz every JSON endpoint (SPEC §4, §6, §7) with generated and mutated requests.

Each test builds one world of learners and attempts, then runs every example inside a
savepoint that is rolled back (``helpers.exercise``), so the examples are independent and fast.
Every answer must be a 2xx, or a 4xx with a JSON ``error`` and ``message``; a refused request
must leave the database as it was.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hardening.conftest import fuzz_settings
from tests.hardening.helpers import World, build_world, exercise, post_json
from tests.hardening.strategies import big_strings, mutated, raw_bodies, text

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Mostly the owner, so the requests get past authorization into validation and storage.
SENDERS = st.sampled_from(["A"] * 6 + ["B", "C", "staff", "anon"])

VALUES_2004 = {
    "cmi.completion_status": "incomplete",
    "cmi.success_status": "unknown",
    "cmi.score.raw": "50",
    "cmi.score.scaled": "0.5",
    "cmi.score.min": "0",
    "cmi.score.max": "100",
    "cmi.progress_measure": "0.4",
    "cmi.location": "page-3",
    "cmi.suspend_data": "state",
    "cmi.exit": "suspend",
    "cmi.session_time": "PT1M30S",
}
CMI_2004 = {
    "cmi": {
        "location": "page-3",
        "interactions": {
            "childArray": [
                {"id": "q1", "type": "choice", "learner_response": "a", "result": "correct"}
            ]
        },
        "objectives": [{"id": "o1", "score": {"scaled": "0.5"}, "success_status": "passed"}],
        "comments_from_learner": [{"comment": "{lang=en}fine", "location": "p3"}],
    }
}
VALUES_12 = {
    "cmi.core.lesson_status": "incomplete",
    "cmi.core.score.raw": "70",
    "cmi.core.score.min": "0",
    "cmi.core.score.max": "100",
    "cmi.core.lesson_location": "p2",
    "cmi.suspend_data": "s",
    "cmi.core.exit": "suspend",
    "cmi.core.session_time": "0000:01:30.00",
}
LOG = {"initialize": True, "setValueKeys": ["cmi.location", "cmi.exit"]}
# The parts of a payload whose content is the SCO's (the envelope around them is the player's).
INNER = ("values", "cmi", "log")


def _encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _swaps(world: World) -> list[Any]:
    """Values that are valid somewhere in this world: other sessions' tokens and attempts."""
    tokens = [world.token(k) for k in ("A", "A-finished", "A12", "B")]
    return [
        *tokens,
        tokens[0][:-3] + "abc",  # a forged signature
        tokens[0][: len(tokens[0]) // 2],
        *(world.attempt(k) for k in ("A", "A12", "B")),
        str(uuid.UUID(int=7)),
    ]


def _bodies(
    valid: list[dict[str, Any]], world: World, within: tuple[str, ...] = ()
) -> st.SearchStrategy[bytes]:
    """Three quarters mutants of a valid payload (with ``within``, two thirds of those only
    inside the SCO's data: they get as far as the database), a quarter raw garbage."""
    swaps = _swaps(world)
    mutants = st.sampled_from(valid).flatmap(lambda v: mutated(v, swaps)).map(_encode)
    inner = st.sampled_from(valid).flatmap(lambda v: mutated(v, swaps, within)).map(_encode)
    if not within:
        inner = mutants
    return st.one_of(mutants, inner, inner, raw_bodies(_encode(valid[0])))


def _result(world: World, key: str, values: dict[str, str], cmi: Any) -> dict[str, Any]:
    started = world.started[key]
    launch = started["launch"]
    return {
        "learnerId": world.users[key[0]].username,
        "courseId": "c12" if launch["standard"] == "1.2" else "c2004",
        "attemptId": started["attemptId"],
        "itemId": launch["itemId"],
        "token": launch["token"],
        "standard": launch["standard"],
        "reason": "commit",
        "seq": launch["seq"] + 1,
        "values": values,
        "cmi": cmi,
        "log": LOG,
    }


def _fuzz_post(world: World, url: str, bodies: st.SearchStrategy[bytes], examples: int) -> None:
    @fuzz_settings(examples)
    @given(body=bodies, who=SENDERS, token_in_header=st.booleans())
    def run(body: bytes, who: str, token_in_header: bool) -> None:
        headers = {}
        if token_in_header:
            # The header door for the token (SPEC §8); the body may still carry one too.
            headers["HTTP_X_LAUNCH_TOKEN"] = world.token("A")
        exercise(
            lambda: post_json(world.clients[who], url, body, **headers),
            f"{who} POST {url} header={token_in_header} {body[:400]!r}",
        )

    run()


def test_start() -> None:
    world = build_world()
    valid = {"courseId": "c2004", "itemId": "sco2", "attemptId": world.attempt("A")}
    _fuzz_post(world, "/lms/attempt/start", _bodies([valid], world), 80)


def test_result() -> None:
    world = build_world()
    valid = [
        _result(world, "A", VALUES_2004, CMI_2004),
        _result(world, "A12", VALUES_12, {"cmi": {"core": {"lesson_location": "p2"}}}),
        _result(world, "A-finished", VALUES_2004, None),  # a finished session: 409
    ]
    _fuzz_post(world, "/api/scorm/result", _bodies(valid, world, INNER), 200)


# Where a commit carries free text the server stores: key fields and the runtime tree.
FREE_TEXT = [
    ("A", "values", "cmi.location"),
    ("A", "values", "cmi.suspend_data"),
    ("A12", "values", "cmi.core.lesson_location"),
    ("A12", "values", "cmi.suspend_data"),
    ("A", "cmi", "learner_response"),
    ("A", "cmi", "comment"),
    ("A", "cmi", "key"),
]


def test_result_free_text_is_stored_or_refused() -> None:
    """A valid commit whose only odd part is one free-text value (or tree key): the text
    either fits the database or is refused with a 400, never a 500."""
    world = build_world()

    @fuzz_settings(100)
    @given(target=st.sampled_from(FREE_TEXT), value=text() | big_strings())
    def run(target: tuple[str, str, str], value: str) -> None:
        key, part, name = target
        if key == "A":
            body = _result(world, key, VALUES_2004, CMI_2004)
        else:
            body = _result(world, key, VALUES_12, None)
        if part == "values":
            body["values"] = {**body["values"], name: value}
        elif name == "learner_response":
            body["cmi"] = {"cmi": {"interactions": [{"id": "q1", "learner_response": value}]}}
        elif name == "comment":
            body["cmi"] = {"cmi": {"comments_from_learner": [{"comment": value}]}}
        else:
            body["cmi"] = {"cmi": {"interactions": [{value: "x"}]}}
        exercise(
            lambda: post_json(world.clients["A"], "/api/scorm/result", body),
            f"A POST /api/scorm/result {part}.{name} = {value[:200]!r}",
        )

    run()


def test_runtime_commit() -> None:
    world = build_world()
    valid = {"attemptId": world.attempt("A"), "token": world.token("A"), "values": VALUES_2004}
    _fuzz_post(world, "/scorm/runtime/commit", _bodies([valid], world, INNER), 100)


def test_discard() -> None:
    world = build_world()
    valid = {"attemptId": world.attempt("A12"), "token": world.token("A12")}
    _fuzz_post(world, "/lms/attempt/discard", _bodies([valid], world), 60)


def _query(pairs: list[tuple[bytes, bytes]]) -> str:
    return "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)


def _general_value() -> st.SearchStrategy[bytes]:
    return st.one_of(
        text(30).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.binary(max_size=30),
        st.integers().map(lambda n: str(n).encode()),
    )


# Numbers as the admin list's paging reads them: edges, signs, other scripts' digits.
NUMBERS = ["0", "1", "-1", "500", "501", "1000000", "1000001", "1.0", "1e2", " 1", "+1", "00001"]
NUMBERS += ["٣", "１", "²", "1²", "⑴", "99999999999999999999999"]
WORDS = ["", "csv", "json", "Not Started", "In Progress", "Completed", "Abandoned", "learner"]
WORDS += ["-score", "lastCommitAt", "-lastCommitAt", "c2004", "ana", "%", "\x00", "NULL"]


def _pairs() -> st.SearchStrategy[tuple[bytes, bytes]]:
    general = _general_value()
    return st.one_of(
        st.tuples(
            st.sampled_from([b"page", b"pageSize"]),
            st.sampled_from(NUMBERS).map(str.encode) | general,
        ),
        st.tuples(
            st.sampled_from([b"status", b"ordering", b"format", b"course", b"learner", b"q"]),
            st.sampled_from(WORDS).map(str.encode) | general,
        ),
        st.tuples(st.binary(max_size=10), general),
    )


def test_admin_enrolments_query() -> None:
    world = build_world()
    queries = st.lists(_pairs(), max_size=6)

    @fuzz_settings(120)
    @given(pairs=queries, who=st.sampled_from(["staff"] * 6 + ["A", "anon"]))
    def run(pairs: list[tuple[bytes, bytes]], who: str) -> None:
        url = f"/lms/admin/enrolments?{_query(pairs)}"
        exercise(lambda: world.clients[who].get(url), f"{who} GET {url}")

    run()


def test_enrolment_state() -> None:
    world = build_world()
    slugs = st.sampled_from(["c2004", "c12", "closed"]) | st.from_regex(
        r"[-a-zA-Z0-9_]{1,120}", fullmatch=True
    )

    @fuzz_settings(40)
    @given(
        slug=slugs,
        who=SENDERS,
        junk=st.lists(st.tuples(st.binary(max_size=8), st.binary(max_size=8)), max_size=2),
    )
    def run(slug: str, who: str, junk: list[tuple[bytes, bytes]]) -> None:
        url = f"/lms/enrolments/{slug}/state?{_query(junk)}"
        exercise(lambda: world.clients[who].get(url), f"{who} GET {url}")

    run()
