"""Hypothesis strategies for hostile input: text, JSON values, raw bodies, and mutations of a
valid payload (drop, add, retype, enlarge, nest, splice) drawn one step at a time."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

JsonPath = tuple[str | int, ...]


# Characters that break naive code, drawn far more often than chance would: NUL, lone
# surrogates, line and paragraph separators, BOM, non-characters, the last code point,
# combining marks, right-to-left override, quotes and escapes, astral planes.
TRICKY = [
    "\x00",
    "\ud800",
    "\udfff",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
    "\u0301",
    "\u202e",
    "é",
    "𝄞",
    "'",
    '"',
    "\\",
    "%",
    "<",
    "{",
]


def characters() -> st.SearchStrategy[str]:
    """Any code point, lone surrogates and NUL included."""
    return st.characters(exclude_categories=())


def text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Random text with the TRICKY characters mixed in often (Hypothesis would merge a
    weighted alphabet into a plain character set, so they are drawn as separate pieces)."""
    pieces = st.text(characters(), max_size=8) | st.sampled_from(TRICKY)
    return st.lists(pieces, max_size=6).map("".join).map(lambda s: s[:max_size])


# Lengths on both sides of every limit a text value has: CMIString255, 500 (learnerId … in
# a payload), 1000 (2004 location), 4096 (1.2 suspend_data), 64000 (2004 suspend_data).
BOUNDARY_LENGTHS = (0, 1, 255, 256, 500, 501, 1000, 1001, 4096, 4097, 64000, 64001)
# Just over the 1 MiB body limit.
OVERSIZED = b'{"values": {"cmi.suspend_data": "' + b"x" * (1024 * 1024) + b'"}}'


@st.composite
def big_strings(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from(["x", "é", "𝄞", "7", " "]) | characters())
    return unit * draw(st.sampled_from(BOUNDARY_LENGTHS))


def numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.sampled_from([0, -1, 1, 2**53 - 1, 2**53, 2**63, -(2**63) - 1, 10**300]),
        st.floats(),
    )


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), numbers(), text(), big_strings())


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(text(12), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


# Deep enough to trip a recursive parser.
MAX_NESTING = 100_000


@st.composite
def deep_nesting(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(1, MAX_NESTING) | st.sampled_from([MAX_NESTING]))
    opener, closer, leaf = draw(
        st.sampled_from([("[", "]", ""), ('{"a":', "}", "1"), ('{"values":', "}", "{}")])
    )
    return (opener * depth + leaf + closer * depth).encode()


def raw_bodies(valid: bytes) -> st.SearchStrategy[bytes]:
    """Bodies that are not a JSON object, or barely one: bytes, truncations, odd encodings."""
    return st.one_of(
        st.binary(max_size=300),
        json_values().map(lambda v: json.dumps(v).encode()),
        st.integers(0, len(valid)).map(lambda n: valid[:n]),
        st.sampled_from(
            [
                b"",
                b"null",
                b"[]",
                b'"x"',
                b"{",
                b'{"a": NaN}',
                b'{"a": Infinity}',
                b"\xef\xbb\xbf" + valid,
                valid.decode().encode("utf-16"),
                valid.decode().encode("utf-32"),
                valid + b"garbage",
                valid.replace(b'"', b"'"),
                OVERSIZED,
            ]
        ),
        deep_nesting(),
    )


# Values that look right somewhere in a payload: the mutations move them to the wrong place.
PLAUSIBLE: list[Any] = [
    "",
    "0",
    "1",
    "-1",
    "1.5",
    ".5",
    "5.",
    "1e3",
    "100",
    "101",
    "-0",
    "NaN",
    "Infinity",
    "0x10",
    " 5",
    "5 ",
    "٣",
    "1.2",
    "2004",
    "2004 4th Edition",
    "commit",
    "finish",
    "passed",
    "failed",
    "completed",
    "incomplete",
    "not attempted",
    "browsed",
    "unknown",
    "suspend",
    "logout",
    "normal",
    "time-out",
    "PT1H2M3S",
    "PT0S",
    "P1D",
    "PT",
    "0000:00:01.5",
    "9999:99:99",
    "sco1",
    "sco2",
    "c2004",
    "c12",
    "closed",
    "ana",
    "ben",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "cmi.location",
    "cmi.core.lesson_location",
    0,
    1,
    2,
    3,
    4,
    -1,
    2**53 - 1,
    2**53,
    1.0,
    1.5,
    True,
    False,
    None,
    [],
    {},
]


def with_plausible(extra: Sequence[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([*PLAUSIBLE, *extra])


def paths(doc: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every location in ``doc``, the root included."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths(value, (*prefix, index))
    return found


def _get(doc: Any, path: JsonPath) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _flip(value: Any) -> Any:
    """Numbers as strings and strings as numbers, lists as scalars and back."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, list):
        return value[0] if value else None
    if isinstance(value, dict):
        return list(value.values())
    return 0


# "text" and "splice" (characters inserted into a string) keep the type right, so many mutants
# pass validation and reach the database, where the subtle failures are.
MUTATIONS = ("drop", "replace", "plausible", "flip", "extra", "big", "nest", "duplicate")
MUTATIONS += ("text",) * 2 + ("splice",) * 4


@st.composite
def mutated(
    draw: st.DrawFn, valid: dict[str, Any], swaps: Sequence[Any] = (), within: Sequence[str] = ()
) -> Any:
    """``valid`` after 0–4 random mutations; ``swaps`` are values from the same world (other
    tokens, attempt ids …) that are valid somewhere else. ``within`` limits the mutations to
    the insides of those top-level fields (say ``values``), so the envelope stays valid and the
    mutant gets as far as the database."""
    doc = copy.deepcopy(valid)
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 2, 3, 4]))):
        kind = draw(st.sampled_from(MUTATIONS))
        # The root itself is replaced by raw_bodies(); here only extra fields go at the top.
        where = paths(doc) if kind == "extra" else paths(doc)[1:]
        if within:
            depth = 1 if kind == "extra" else 2
            where = [p for p in where if len(p) >= depth and p[0] in within]
        if not where:
            continue
        path = draw(st.sampled_from(where))
        value = _get(doc, path)
        if kind == "drop":
            new: Any = _DROP
        elif kind == "replace":
            new = draw(json_values())
        elif kind == "plausible":
            new = draw(with_plausible(swaps))
        elif kind == "flip":
            new = _flip(value)
        elif kind == "extra":
            if not isinstance(value, dict):
                continue
            value[draw(text(20) | with_plausible(()).map(str))] = draw(json_values(4))
            continue
        elif kind == "big":
            new = draw(big_strings())
        elif kind == "splice":
            if not isinstance(value, str):
                continue
            at = draw(st.integers(0, len(value)))
            new = value[:at] + draw(text(8)) + value[at:]
        elif kind == "text":
            new = draw(text() | big_strings() | with_plausible(swaps).filter(_is_str))
        elif kind == "nest":
            new = value
            for _ in range(draw(st.integers(1, 30))):
                new = [new] if draw(st.booleans()) else {"cmi": new}
        else:  # duplicate: the same value again at a sibling key
            parent = _get(doc, path[:-1])
            if isinstance(parent, dict):
                parent[f"{path[-1]}{draw(st.sampled_from(['', '_', 'X', ' ']))}"] = value
            continue
        parent = _get(doc, path[:-1])
        if new is _DROP:
            del parent[path[-1]]
        else:
            parent[path[-1]] = new
    return doc


_DROP = object()


def _is_str(value: Any) -> bool:
    return isinstance(value, str)
