"""Reads about courses and enrolments."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from scormlms.courses.models import Course, Enrolment, Item


def course_can_access(*, user: AbstractBaseUser | AnonymousUser, course: Course) -> bool:
    """Staff see every course; learners only those they are enrolled in."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    return Enrolment.objects.filter(learner_id=user.pk, course=course).exists()


def courses_for_learner(*, user: AbstractBaseUser) -> QuerySet[Course]:
    return Course.objects.filter(enrolments__learner_id=user.pk).order_by("title")


def courses_open_for_self_enrolment(*, user: AbstractBaseUser) -> QuerySet[Course]:
    return Course.objects.filter(self_enrol=True).exclude(enrolments__learner_id=user.pk)


def launchable_items(*, course: Course) -> list[Item]:
    return [item for item in course.items.all() if item.is_launchable]


# Items of a course version never change (a new import is a new version), so each process keeps
# them: the commit and state paths are the hot paths (docs/BENCHMARKS.md "Commit throughput").
_ITEMS_CACHE: dict[tuple[int, int, datetime], list[Item]] = {}
_ITEMS_CACHE_SIZE = 256


def course_items(course: Course) -> list[Item]:
    key = (course.pk, course.version, course.updated_at)
    items = _ITEMS_CACHE.get(key)
    if items is None:
        items = list(course.items.all())
        if len(_ITEMS_CACHE) >= _ITEMS_CACHE_SIZE:
            _ITEMS_CACHE.pop(next(iter(_ITEMS_CACHE)))
        _ITEMS_CACHE[key] = items
    return items
