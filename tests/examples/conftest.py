from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _data_dir() -> None:
    """Override tests/conftest.py's autouse fixture of the same name.

    The sample-package tests use no Django settings, so they also run with
    pytest-django disabled (``-p no:django``), where its ``settings`` fixture
    does not exist.
    """
