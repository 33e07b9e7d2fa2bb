"""SCORM 1.2 prerequisites: which items a learner may launch, and why not yet.

Every rule of ``<adlcp:prerequisites>`` lives in this file. An item of a SCORM 1.2 manifest may
carry ``<adlcp:prerequisites type="aicc_script">``: an expression over the identifiers of other
items of the organization, which the LMS evaluates before it launches the item (SCORM 1.2 CAM,
2.3.2.5.1 "Sequencing/Navigation Today", and the ``adlcp:prerequisites`` element of the ADL
content packaging extensions). ``aicc_script`` is the only type the CAM defines; its grammar is
the prerequisite script of the AICC CMI Guidelines (CMI001), which the CAM adopts:

==========  =====================================================================
``A``       item ``A`` is completed or passed
``~``       not: ``~A``
``&``       and: ``A & B``
``|``       or: ``A | B``
``( )``     grouping: ``(A | B) & C``
``=``       ``A = passed``: item A's lesson status is that value
``<>``      ``A <> failed``: item A's lesson status is not that value
``{ , }``   a set: ``{A, B, C}``, every member holds
``n*{ }``   at least n members of the set hold: ``2*{A, B, C}``
==========  =====================================================================

The status values of ``=`` and ``<>`` are the six ``cmi.core.lesson_status`` values (SCORM 1.2
RTE 3.4.2.1.5), or their AICC one-letter forms: ``passed`` P, ``completed`` C, ``failed`` F,
``incomplete`` I, ``browsed`` B, ``not attempted`` N; case does not matter.

Decisions where the books are silent, each with its reason:

* **An identifier alone holds when its item is completed or passed.** The AICC guidelines'
  own examples say so: ``~A35`` lets the learner in "as long as unit A35 has not been
  completed (that is, the status of A35 must be Incomplete, Failed, or Not attempted)", and
  "the equivalent of ~A35 is (A35<>Passed & A35<>Completed)". So failed does not satisfy a
  prerequisite, although SPEC §5 counts a failed SCO as completed for the course.
* **Precedence**: ``~`` binds tightest, then ``&``, then ``|`` (the usual order of Boolean
  algebra; the AICC text shows no expression that mixes ``&`` and ``|`` without parentheses).
  ``=`` and ``<>`` belong to their identifier. Set members may be any expression.
* **An item nobody launched yet is "not attempted"**; a folder (an item without a resource)
  is passed when every launchable item under it is passed, completed when every one is
  completed or passed, not attempted when none was started, incomplete otherwise.
* **A broken expression is not enforced.** An expression that does not parse, names an item
  the organization does not have, or asks for more set members than the set has, is reported
  at import as a package warning (:func:`problem`), and at run time the item it belongs to is
  launchable, as tolerant LMSs do: a typo by the author must not lock the learner out of the
  course for good, and the staff who imported it were told.
* **A folder's prerequisites apply to everything under it**, as an aggregation's do to its
  children in the AICC course structure.
* ``&amp;`` left in the text by a manifest that escaped it twice reads as ``&``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

__all__ = [
    "SCRIPT_TYPE",
    "STATUSES",
    "All",
    "AtLeast",
    "Compare",
    "Expression",
    "Not",
    "PrerequisiteError",
    "PrerequisiteItem",
    "Ref",
    "Some",
    "describe",
    "evaluate",
    "identifiers",
    "locks",
    "parse",
    "problem",
]

# cmi.core.lesson_status vocabulary (SCORM 1.2 RTE 3.4.2.1.5) with the AICC one-letter forms.
STATUSES: dict[str, str] = {
    "passed": "passed",
    "completed": "completed",
    "failed": "failed",
    "incomplete": "incomplete",
    "browsed": "browsed",
    "not attempted": "not attempted",
    "p": "passed",
    "c": "completed",
    "f": "failed",
    "i": "incomplete",
    "b": "browsed",
    "n": "not attempted",
}
NOT_ATTEMPTED = "not attempted"
# The one value of adlcp:prerequisites' type attribute the SCORM 1.2 CAM defines.
SCRIPT_TYPE = "aicc_script"
# What an identifier alone asks of its item (see the module docstring).
SATISFIED = frozenset({"completed", "passed"})

_OPERATORS = frozenset("&|~(){},*=")
_MAX_NESTING = 32  # parentheses and sets; real expressions nest two or three deep
_T = TypeVar("_T")


class PrerequisiteError(ValueError):
    """An ``aicc_script`` expression that cannot be read; ``position`` counts from 1."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position})")
        self.message = message
        self.position = position


# --------------------------------------------------------------------------- the expression tree


@dataclass(frozen=True)
class Ref:
    """An item identifier alone: the item is completed or passed."""

    item_id: str


@dataclass(frozen=True)
class Compare:
    """``item = status`` (``equal``) or ``item <> status``."""

    item_id: str
    status: str
    equal: bool


@dataclass(frozen=True)
class Not:
    operand: Expression


@dataclass(frozen=True)
class All:
    operands: tuple[Expression, ...]


@dataclass(frozen=True)
class Some:
    """Or: at least one operand holds."""

    operands: tuple[Expression, ...]


@dataclass(frozen=True)
class AtLeast:
    """A set: ``count*{…}``, or every member for a set without a count."""

    count: int
    members: tuple[Expression, ...]


Expression = Ref | Compare | Not | All | Some | AtLeast


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Token:
    text: str  # an operator ("&", "<>" …) or a word (identifier, status, count)
    position: int
    word: bool


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif text.startswith("<>", i):
            tokens.append(_Token("<>", i + 1, False))
            i += 2
        elif char in _OPERATORS:
            tokens.append(_Token(char, i + 1, False))
            i += 1
        elif char in "<>":
            raise PrerequisiteError(f"unexpected {char!r}; the comparisons are = and <>", i + 1)
        else:
            start = i
            while i < len(text) and not (
                text[i].isspace() or text[i] in _OPERATORS or text[i] in "<>"
            ):
                i += 1
            tokens.append(_Token(text[start:i], start + 1, True))
    return tokens


class _Parser:
    """Recursive descent over the grammar in the module docstring."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.nesting = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def at(self, operator: str) -> bool:
        token = self.peek()
        return token is not None and not token.word and token.text == operator

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise PrerequisiteError("the expression ends too early", len(self.text) + 1)
        self.index += 1
        return token

    def expect(self, operator: str, what: str) -> None:
        token = self.peek()
        if token is None or token.word or token.text != operator:
            found = "the end" if token is None else repr(token.text)
            position = len(self.text) + 1 if token is None else token.position
            raise PrerequisiteError(f"expected {operator!r} {what}, found {found}", position)
        self.index += 1

    def expression(self) -> Expression:
        operands = [self.conjunction()]
        while self.at("|"):
            self.index += 1
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Some(tuple(operands))

    def conjunction(self) -> Expression:
        operands = [self.unary()]
        while self.at("&"):
            self.index += 1
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else All(tuple(operands))

    def unary(self) -> Expression:
        negations = 0
        while self.at("~"):
            self.index += 1
            negations += 1
        operand = self.primary()
        return Not(operand) if negations % 2 else operand

    def primary(self) -> Expression:
        token = self.take()
        if not token.word:
            if token.text == "(":
                inner = self.nested(self.expression, token)
                self.expect(")", "to close the parenthesis")
                return inner
            if token.text == "{":
                return self.members(count=None, start=token)
            raise PrerequisiteError(
                f"expected an item identifier, '~', '(' or a set, found {token.text!r}",
                token.position,
            )
        if self.at("*"):
            if not token.text.isdecimal():
                raise PrerequisiteError(
                    f"the count before '*' must be a whole number, not {token.text!r}",
                    token.position,
                )
            self.index += 1
            start = self.peek()
            self.expect("{", "after the set's count")
            assert start is not None
            return self.members(count=int(token.text), start=start)
        if self.at("=") or self.at("<>"):
            equal = self.take().text == "="
            return Compare(token.text, self.status(), equal)
        return Ref(token.text)

    def members(self, *, count: int | None, start: _Token) -> AtLeast:
        def read() -> tuple[Expression, ...]:
            found = [self.expression()]
            while self.at(","):
                self.index += 1
                found.append(self.expression())
            return tuple(found)

        members = self.nested(read, start)
        self.expect("}", "to close the set")
        if count is None:
            count = len(members)
        if count > len(members):
            raise PrerequisiteError(
                f"the set asks for {count} of its {len(members)} members, which can never hold",
                start.position,
            )
        return AtLeast(count, members)

    def nested(self, read: Callable[[], _T], opening: _Token) -> _T:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise PrerequisiteError(
                f"parentheses and sets nest more than {_MAX_NESTING} deep", opening.position
            )
        try:
            return read()
        finally:
            self.nesting -= 1

    def status(self) -> str:
        token = self.peek()
        if token is None or not token.word:
            found = "the end" if token is None else repr(token.text)
            position = len(self.text) + 1 if token is None else token.position
            raise PrerequisiteError(
                f"expected a status after the comparison, found {found}", position
            )
        self.index += 1
        word = token.text.lower()
        following = self.peek()
        if word == "not" and following is not None and following.word:
            self.index += 1
            word = f"not {following.text.lower()}"
        status = STATUSES.get(word)
        if status is None:
            raise PrerequisiteError(
                f"{token.text!r} is not a lesson status (passed, completed, failed, incomplete, "
                "browsed, not attempted)",
                token.position,
            )
        return status


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Expression:
    """The expression tree of an ``aicc_script`` text; :class:`PrerequisiteError` when it
    cannot be read. Cached: each item's expression is read on every launch and state read."""
    text = text.replace("&amp;", "&")
    parser = _Parser(text)
    if not parser.tokens:
        raise PrerequisiteError("the expression is empty", 1)
    tree = parser.expression()
    extra = parser.peek()
    if extra is not None:
        raise PrerequisiteError(f"unexpected {extra.text!r}", extra.position)
    return tree


def identifiers(expression: Expression) -> frozenset[str]:
    """Every item identifier the expression names."""
    return frozenset(_walk_ids(expression))


def _walk_ids(expression: Expression) -> Iterator[str]:
    match expression:
        case Ref(item_id) | Compare(item_id, _, _):
            yield item_id
        case Not(operand):
            yield from _walk_ids(operand)
        case All(operands) | Some(operands) | AtLeast(_, operands):
            for operand in operands:
                yield from _walk_ids(operand)


def problem(text: str, known: Iterable[str]) -> str | None:
    """Why an expression would not be enforced (the import's warning), or None when it is
    usable: it parses and names only items of the organization (``known``)."""
    try:
        tree = parse(text)
    except PrerequisiteError as error:
        return str(error)
    unknown = sorted(identifiers(tree) - set(known))
    if unknown:
        return "it names " + _join([repr(i) for i in unknown], "and") + ", which no item has"
    return None


# --------------------------------------------------------------------------- evaluation


def _status_of(statuses: Mapping[str, str], item_id: str) -> str:
    status = statuses.get(item_id, "").strip().lower()
    return status or NOT_ATTEMPTED


def evaluate(expression: Expression, statuses: Mapping[str, str]) -> bool:
    """Whether the expression holds for the lesson statuses by item id (an item missing from
    ``statuses`` is not attempted)."""
    match expression:
        case Ref(item_id):
            return _status_of(statuses, item_id) in SATISFIED
        case Compare(item_id, status, equal):
            return (_status_of(statuses, item_id) == status) == equal
        case Not(operand):
            return not evaluate(operand, statuses)
        case All(operands):
            return all(evaluate(o, statuses) for o in operands)
        case Some(operands):
            return any(evaluate(o, statuses) for o in operands)
        case AtLeast(count, members):
            return sum(evaluate(m, statuses) for m in members) >= count
    raise TypeError(expression)  # pragma: no cover - the match is exhaustive


# --------------------------------------------------------------------------- in words


def _quote(item_id: str, titles: Mapping[str, str]) -> str:
    return f"“{titles.get(item_id) or item_id}”"


def _join(parts: Sequence[str], word: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


_DONE = "completed or passed"


def describe(
    expression: Expression,
    titles: Mapping[str, str],
    statuses: Mapping[str, str] | None = None,
) -> str:
    """The condition in words, items named by title: "“Lesson 1” and “Lesson 2” are completed
    or passed". With ``statuses``, the parts of an "and" that already hold are left out, so
    the words name what is still to do."""
    match expression:
        case Ref(item_id):
            return f"{_quote(item_id, titles)} is {_DONE}"
        case Compare(item_id, status, equal):
            name = _quote(item_id, titles)
            if equal:
                return f"{name} is {status}"
            if status == NOT_ATTEMPTED:
                return f"{name} has been started"
            return f"{name} is not {status}"
        case Not(Ref(item_id)):
            return f"{_quote(item_id, titles)} is neither completed nor passed"
        case Not(operand):
            return f"it is no longer true that {describe(operand, titles)}"
        case All(operands):
            if statuses is not None:
                operands = tuple(o for o in operands if not evaluate(o, statuses)) or operands
            return _describe_all(operands, titles, statuses)
        case Some(operands):
            if names := _names_if_all_refs(operands, titles):
                return f"{_join(names, 'or')} is {_DONE}"
            return ", or ".join(describe(o, titles) for o in operands)
        case AtLeast(count, members):
            if count == len(members):
                return _describe_all(members, titles, statuses)
            if names := _names_if_all_refs(members, titles):
                return f"at least {count} of {_join(names, 'and')} are {_DONE}"
            parts = "; ".join(describe(m, titles) for m in members)
            return f"at least {count} of these hold: {parts}"
    raise TypeError(expression)  # pragma: no cover - the match is exhaustive


def _describe_all(
    operands: Sequence[Expression],
    titles: Mapping[str, str],
    statuses: Mapping[str, str] | None,
) -> str:
    if names := _names_if_all_refs(operands, titles):
        verb = "is" if len(names) == 1 else "are"
        return f"{_join(names, 'and')} {verb} {_DONE}"
    parts = [
        ("either " if isinstance(o, Some) else "") + describe(o, titles, statuses) for o in operands
    ]
    return _join(parts, "and")


def _names_if_all_refs(operands: Sequence[Expression], titles: Mapping[str, str]) -> list[str]:
    """The quoted titles when every operand is a bare identifier, else an empty list."""
    refs = [o for o in operands if isinstance(o, Ref)]
    if len(refs) != len(operands):
        return []
    return [_quote(ref.item_id, titles) for ref in refs]


# --------------------------------------------------------------------------- a course's items


class PrerequisiteItem(Protocol):
    """What :func:`locks` reads of an item (``courses.models.Item`` has it)."""

    @property
    def item_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def parent_item_id(self) -> str: ...

    @property
    def prerequisites(self) -> str: ...

    @property
    def is_launchable(self) -> bool: ...


def locks(items: Sequence[PrerequisiteItem], statuses: Mapping[str, str]) -> dict[str, str]:
    """The items that may not be launched now, each with the condition still to meet in words
    (every unmet expression of the item and of the folders above it, joined by "and").

    ``items`` are the organization's items in document order; ``statuses`` the lesson status
    of each launched item. An item absent from the answer may be launched.
    """
    if not any(item.prerequisites for item in items):
        return {}
    known = {item.item_id for item in items}
    titles = {item.item_id: item.title for item in items}
    by_id = {item.item_id: item for item in items}
    full = {**_folder_statuses(items, statuses), **statuses}
    answer: dict[str, str] = {}
    for item in items:
        conditions = []
        node: PrerequisiteItem | None = item
        seen: set[str] = set()
        while node is not None and node.item_id not in seen:
            seen.add(node.item_id)
            if node.prerequisites and problem(node.prerequisites, known) is None:
                tree = parse(node.prerequisites)
                if not evaluate(tree, full):
                    conditions.append(describe(tree, titles, full))
            node = by_id.get(node.parent_item_id)
        if conditions:
            answer[item.item_id] = " and ".join(conditions)
    return answer


def _folder_statuses(
    items: Sequence[PrerequisiteItem], statuses: Mapping[str, str]
) -> dict[str, str]:
    """A status for each folder, from the launchable items under it (module docstring)."""
    children: dict[str, list[PrerequisiteItem]] = {}
    for item in items:
        if item.parent_item_id:
            children.setdefault(item.parent_item_id, []).append(item)

    def leaves(folder: str) -> list[str]:
        found, stack, seen = [], [folder], {folder}
        while stack:
            for child in children.get(stack.pop(), ()):
                if child.is_launchable:
                    found.append(child.item_id)
                if child.item_id not in seen:
                    seen.add(child.item_id)
                    stack.append(child.item_id)
        return found

    folders: dict[str, str] = {}
    for item in items:
        if item.is_launchable or not item.item_id:
            continue
        below = [_status_of(statuses, leaf) for leaf in leaves(item.item_id)]
        if below and all(s == "passed" for s in below):
            folders[item.item_id] = "passed"
        elif below and all(s in SATISFIED for s in below):
            folders[item.item_id] = "completed"
        elif all(s == NOT_ATTEMPTED for s in below):
            folders[item.item_id] = NOT_ATTEMPTED
        else:
            folders[item.item_id] = "incomplete"
    return folders
