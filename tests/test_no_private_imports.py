"""No module of ours imports a private name (one starting with ``_``) of Django, psycopg or any
other dependency: private names change without notice between releases."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = ("scormlms", "tests", "bench", "common", "examples")
FOLDERS = ("src", "tests", "bench", "examples")


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and part != "__future__" for part in dotted.split("."))


def private_imports(source: str) -> list[str]:
    """Each ``import`` of a private module or name from outside the project, as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if _private(a.name) and not a.name.startswith(OURS)
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith(OURS):
                continue
            if _private(node.module):
                found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if _private(a.name)]
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from django.utils.functional import empty, SimpleLazyObject", []),
        (
            "from django.utils.functional import _lazy_proxy",
            ["django.utils.functional._lazy_proxy"],
        ),
        ("from psycopg_binary._psycopg import TimestamptzLoader", ["psycopg_binary._psycopg"]),
        ("import django.db.models._private as p", ["django.db.models._private"]),
        ("from __future__ import annotations", []),
        ("from scormlms.scorm._parts import x", []),
        ("def f():\n    from django.db.models.base import _x", ["django.db.models.base._x"]),
    ],
)
def test_the_check_finds_private_imports(source: str, expected: list[str]) -> None:
    assert private_imports(source) == expected


def test_no_module_imports_a_private_name_of_a_dependency() -> None:
    offenders = {}
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            found = private_imports(path.read_text(encoding="utf-8"))
            if found:
                offenders[str(path.relative_to(REPO))] = found
    assert offenders == {}
