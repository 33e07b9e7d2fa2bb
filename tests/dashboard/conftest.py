"""The dashboard tests reuse the tracking factories: real endpoints, real database."""

from __future__ import annotations

from tests.tracking.conftest import learner_factory  # noqa: F401 — a fixture, used by name
