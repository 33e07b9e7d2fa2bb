"""SCORM 1.2 ``adlcp:prerequisites`` (``aicc_script``): parsing, evaluation, words, locks.

The examples of the AICC CMI Guidelines' prerequisite script, which the SCORM 1.2 CAM adopts,
come first; then precedence, sets, broken expressions and a course's items.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from scormlms.scorm.prerequisites import (
    All,
    AtLeast,
    Compare,
    Not,
    PrerequisiteError,
    Ref,
    Some,
    describe,
    evaluate,
    identifiers,
    locks,
    parse,
    problem,
)

# ------------------------------------------------------------------------------------- parsing

PARSED = [
    ("A33", Ref("A33")),
    ("~A35", Not(Ref("A35"))),
    ("A33=Passed", Compare("A33", "passed", True)),
    ("A35<>Passed", Compare("A35", "passed", False)),
    ("A35 <> P", Compare("A35", "passed", False)),
    ("a = not attempted", Compare("a", "not attempted", True)),
    ("a=N", Compare("a", "not attempted", True)),
    ("a=INCOMPLETE", Compare("a", "incomplete", True)),
    ("a & b", All((Ref("a"), Ref("b")))),
    ("a|b", Some((Ref("a"), Ref("b")))),
    ("a&b&c", All((Ref("a"), Ref("b"), Ref("c")))),
    # precedence: ~ before &, & before |
    ("a|b&c", Some((Ref("a"), All((Ref("b"), Ref("c")))))),
    ("a&b|c", Some((All((Ref("a"), Ref("b"))), Ref("c")))),
    ("~a&b", All((Not(Ref("a")), Ref("b")))),
    ("~(a&b)", Not(All((Ref("a"), Ref("b"))))),
    ("(a|b)&c", All((Some((Ref("a"), Ref("b"))), Ref("c")))),
    ("~~a", Ref("a")),
    # sets
    ("{a,b,c}", AtLeast(3, (Ref("a"), Ref("b"), Ref("c")))),
    ("2*{a, b, c}", AtLeast(2, (Ref("a"), Ref("b"), Ref("c")))),
    ("3*{S34, S36, S37, S39}", AtLeast(3, (Ref("S34"), Ref("S36"), Ref("S37"), Ref("S39")))),
    ("1*{a|b, c=failed}", AtLeast(1, (Some((Ref("a"), Ref("b"))), Compare("c", "failed", True)))),
    ("x & 2*{a,b,c}", All((Ref("x"), AtLeast(2, (Ref("a"), Ref("b"), Ref("c")))))),
    # identifiers as real manifests spell them
    ("ITEM-1.2_b&item2", All((Ref("ITEM-1.2_b"), Ref("item2")))),
    ("item1&amp;item2", All((Ref("item1"), Ref("item2")))),  # escaped twice by its author
    ("  item1\n&\titem2  ", All((Ref("item1"), Ref("item2")))),
]


@pytest.mark.parametrize(("text", "tree"), PARSED, ids=[t for t, _ in PARSED])
def test_parse(text: str, tree: object) -> None:
    assert parse(text) == tree


BROKEN = [
    ("", "the expression is empty", 1),
    ("   ", "the expression is empty", 1),
    ("a&", "the expression ends too early", 3),
    ("a b", "unexpected 'b'", 3),
    ("(a|b", "expected ')' to close the parenthesis, found the end", 5),
    ("a)", "unexpected ')'", 2),
    ("&a", "expected an item identifier, '~', '(' or a set, found '&'", 1),
    ("a=", "expected a status after the comparison, found the end", 3),
    ("a=done", "'done' is not a lesson status", 3),
    ("a<b", "unexpected '<'", 2),
    ("{a,b", "expected '}' to close the set, found the end", 5),
    ("x*{a}", "the count before '*' must be a whole number, not 'x'", 1),
    ("2*a", "expected '{' after the set's count, found 'a'", 3),
    ("3*{a,b}", "the set asks for 3 of its 2 members, which can never hold", 3),
    ("(" * 40 + "a" + ")" * 40, "parentheses and sets nest more than 32 deep", 33),
]


@pytest.mark.parametrize(("text", "message", "position"), BROKEN, ids=[t for t, _, _ in BROKEN])
def test_broken_expressions_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(PrerequisiteError) as info:
        parse(text)
    assert info.value.message.startswith(message)
    assert info.value.position == position
    assert str(info.value).endswith(f"(at character {position})")


def test_identifiers() -> None:
    assert identifiers(parse("a & (b | ~c) & 2*{d, e=passed, a}")) == {"a", "b", "c", "d", "e"}


# ------------------------------------------------------------------------------------ evaluation

NOBODY: dict[str, str] = {}
# (expression, statuses, holds): the AICC guidelines' examples first.
EVALUATED = [
    # "~A35: the student may enter unit A34 as long as unit A35 has not been completed (that is,
    # the status of A35 must be Incomplete, Failed, or Not attempted)"
    ("~A35", {"A35": "incomplete"}, True),
    ("~A35", {"A35": "failed"}, True),
    ("~A35", NOBODY, True),
    ("~A35", {"A35": "completed"}, False),
    ("~A35", {"A35": "passed"}, False),
    # "A33=Passed: … if he or she has passed unit A33"
    ("A33=Passed", {"A33": "passed"}, True),
    ("A33=Passed", {"A33": "completed"}, False),
    # "A35<>Passed: … as long as he or she has not passed A35"
    ("A35<>Passed", {"A35": "completed"}, True),
    ("A35<>Passed", {"A35": "passed"}, False),
    # "The equivalent of ~A35 is (A35<>Passed & A35<>Completed)"
    ("A35<>Passed & A35<>Completed", {"A35": "failed"}, True),
    ("A35<>Passed & A35<>Completed", {"A35": "completed"}, False),
    # an identifier alone: completed or passed, never failed, browsed or incomplete
    ("a", {"a": "completed"}, True),
    ("a", {"a": "passed"}, True),
    ("a", {"a": "failed"}, False),
    ("a", {"a": "browsed"}, False),
    ("a", {"a": "incomplete"}, False),
    ("a", {"a": ""}, False),
    ("a", {"a": "Completed "}, True),  # stored values are compared without case or spaces
    # an item nobody launched is not attempted
    ("a", NOBODY, False),
    ("a=not attempted", NOBODY, True),
    ("a<>N", NOBODY, False),
    ("a=N", {"a": ""}, True),
    # and, or, precedence
    ("a&b", {"a": "passed"}, False),
    ("a&b", {"a": "passed", "b": "completed"}, True),
    ("a|b", {"b": "completed"}, True),
    ("a|b&c", {"a": "passed"}, True),  # a | (b & c)
    ("a|b&c", {"b": "passed"}, False),
    ("(a|b)&c", {"a": "passed"}, False),
    ("~a&b", {"b": "passed"}, True),  # (~a) & b
    ("~(a&b)", {"a": "passed"}, True),
    # sets
    ("2*{a,b,c}", {"a": "passed"}, False),
    ("2*{a,b,c}", {"a": "passed", "c": "completed"}, True),
    ("2*{a,b,c}", {"a": "passed", "b": "failed"}, False),
    ("{a,b}", {"a": "passed"}, False),
    ("{a,b}", {"a": "passed", "b": "passed"}, True),
    ("0*{a}", NOBODY, True),
    ("1*{a=failed, b}", {"a": "failed"}, True),
]


@pytest.mark.parametrize(
    ("text", "statuses", "holds"), EVALUATED, ids=[f"{t} {s}" for t, s, _ in EVALUATED]
)
def test_evaluate(text: str, statuses: dict[str, str], holds: bool) -> None:
    assert evaluate(parse(text), statuses) is holds


# ------------------------------------------------------------------------------------- problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a&b", None),
        ("a&zz", "it names 'zz', which no item has"),
        ("zz|yy", "it names 'yy' and 'zz', which no item has"),
        ("a&", "the expression ends too early (at character 3)"),
    ],
)
def test_problem_is_the_import_warning(text: str, expected: str | None) -> None:
    assert problem(text, {"a", "b"}) == expected


# ---------------------------------------------------------------------------------------- words

TITLES = {"l1": "Lesson 1", "l2": "Lesson 2", "l3": "Lesson 3", "q": "Quiz"}
WORDS = [
    ("l1", None, "“Lesson 1” is completed or passed"),
    ("l1&l2", None, "“Lesson 1” and “Lesson 2” are completed or passed"),
    ("{l1,l2,l3}", None, "“Lesson 1”, “Lesson 2” and “Lesson 3” are completed or passed"),
    ("l1|l2", None, "“Lesson 1” or “Lesson 2” is completed or passed"),
    (
        "2*{l1,l2,l3}",
        None,
        "at least 2 of “Lesson 1”, “Lesson 2” and “Lesson 3” are completed or passed",
    ),
    ("~l1", None, "“Lesson 1” is neither completed nor passed"),
    ("l1=passed", None, "“Lesson 1” is passed"),
    ("l1<>failed", None, "“Lesson 1” is not failed"),
    ("l1<>not attempted", None, "“Lesson 1” has been started"),
    (
        "(l1|l2)&q=passed",
        None,
        "either “Lesson 1” or “Lesson 2” is completed or passed and “Quiz” is passed",
    ),
    (
        "~(l1&l2)",
        None,
        "it is no longer true that “Lesson 1” and “Lesson 2” are completed or passed",
    ),
    ("unknown", None, "“unknown” is completed or passed"),  # no title: the identifier
    # with the statuses, an "and" names only what is still to do
    ("l1&l2", {"l1": "completed"}, "“Lesson 2” is completed or passed"),
    ("l1&l2&l3", {"l2": "passed"}, "“Lesson 1” and “Lesson 3” are completed or passed"),
]


@pytest.mark.parametrize(("text", "statuses", "words"), WORDS, ids=[w[0] for w in WORDS])
def test_describe(text: str, statuses: dict[str, str] | None, words: str) -> None:
    assert describe(parse(text), TITLES, statuses) == words


# --------------------------------------------------------------------------- a course's items


@dataclass(frozen=True)
class Node:
    item_id: str
    title: str
    parent_item_id: str = ""
    prerequisites: str = ""
    is_launchable: bool = True


COURSE = [
    Node("l1", "Lesson 1"),
    Node("l2", "Lesson 2"),
    Node("q", "Quiz", prerequisites="l1&l2"),
]


def test_locks_name_what_is_still_to_do() -> None:
    assert locks(COURSE, {}) == {"q": "“Lesson 1” and “Lesson 2” are completed or passed"}
    assert locks(COURSE, {"l1": "completed"}) == {"q": "“Lesson 2” is completed or passed"}
    assert locks(COURSE, {"l1": "completed", "l2": "failed"}) == {
        "q": "“Lesson 2” is completed or passed"
    }
    assert locks(COURSE, {"l1": "completed", "l2": "passed"}) == {}


def test_a_course_without_prerequisites_locks_nothing() -> None:
    assert locks([Node("a", "A"), Node("b", "B")], {}) == {}


@pytest.mark.parametrize("broken", ["l1&", "l1&nope", "3*{l1,l2}"])
def test_a_broken_expression_is_not_enforced(broken: str) -> None:
    items = [
        Node("l1", "Lesson 1"),
        Node("l2", "Lesson 2"),
        Node("q", "Quiz", prerequisites=broken),
    ]
    assert locks(items, {}) == {}


MODULES = [
    Node("m1", "Module 1", is_launchable=False),
    Node("a", "A", parent_item_id="m1"),
    Node("b", "B", parent_item_id="m1"),
    Node("m2", "Module 2", prerequisites="m1", is_launchable=False),
    Node("c", "C", parent_item_id="m2"),
    Node("d", "D", parent_item_id="m2", prerequisites="c"),
]


def test_a_folder_is_done_when_every_item_under_it_is_and_locks_everything_under_it() -> None:
    module1 = "“Module 1” is completed or passed"
    assert locks(MODULES, {}) == {
        "m2": module1,
        "c": module1,
        "d": f"“C” is completed or passed and {module1}",
    }
    assert locks(MODULES, {"a": "passed", "b": "incomplete"}) == {
        "m2": module1,
        "c": module1,
        "d": f"“C” is completed or passed and {module1}",
    }
    assert locks(MODULES, {"a": "passed", "b": "completed"}) == {"d": "“C” is completed or passed"}
    assert locks(MODULES, {"a": "passed", "b": "completed", "c": "passed"}) == {}


@pytest.mark.parametrize(
    ("statuses", "folder_status"),
    [
        ({}, "not attempted"),
        ({"a": "incomplete"}, "incomplete"),
        ({"a": "passed", "b": "failed"}, "incomplete"),
        ({"a": "passed", "b": "completed"}, "completed"),
        ({"a": "passed", "b": "passed"}, "passed"),
    ],
)
def test_folder_statuses_for_comparisons(statuses: dict[str, str], folder_status: str) -> None:
    items = [*MODULES[:3], Node("x", "X", prerequisites=f"m1={folder_status}")]
    assert "x" not in locks(items, statuses)
