"""Fixtures for the courses app: users, packages built on the fly, an imported course."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User

from scormlms.courses.models import Course
from scormlms.courses.services import course_import
from tests.conftest import CORPUS, REPO

PASSWORD = "a-long-password-1"


def golf(name: str) -> Path:
    """A package of the golf sample corpus (outside the repository), or skip the test."""
    path = CORPUS / f"{name}.zip"
    if not path.is_file():
        pytest.skip(f"golf sample corpus not found at {CORPUS}")
    return path


def golf_names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.zip")) or ["<corpus missing>"]


def leftovers(root: Path) -> list[str]:
    """Everything under the package store, as relative paths (folders too)."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Our own sample packages (examples/), built into zips once per session."""
    spec = importlib.util.spec_from_file_location("examples_build", REPO / "examples" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: dict[str, Path] = module.build_all(tmp_path_factory.mktemp("samples"))
    return built


@pytest.fixture
def package_dir(settings: LazySettings) -> Path:
    return Path(settings.SCORMLMS_PACKAGE_DIR)


@pytest.fixture
def staff(django_user_model: Any) -> User:
    user: User = django_user_model.objects.create_user("sam", password=PASSWORD, is_staff=True)
    return user


@pytest.fixture
def learner(django_user_model: Any) -> User:
    user: User = django_user_model.objects.create_user("lena", password=PASSWORD)
    return user


@pytest.fixture
def quiz(samples: dict[str, Path]) -> Course:
    """The SCORM 1.2 sample imported as course ``quiz``."""
    return course_import(source=samples["quiz12"], course_id="quiz").course
