"""The per-course settings form (SPEC §3; seed 000 D), through courses.services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scormlms.courses.models import Course
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db

VALID = {
    "title": "Golf basics",
    "description": "Rules and etiquette.",
    "relaunch_policy": "new",
    "certificate_on": "completed",
    "passing_score": "72.5",
    "self_enrol": "on",
    "max_attempts": "3",
    "new_attempt_when": "passed_or_failed",
    "grading": "last",
}


def test_learners_get_403_and_unknown_courses_404(learner_factory):
    make_course("c1")
    ana = learner_factory()
    staff = learner_factory("boss", staff=True)
    assert ana.client.get("/staff/courses/c1/settings/").status_code == 403
    assert ana.client.post("/staff/courses/c1/settings/", VALID).status_code == 403
    assert Course.objects.get().relaunch_policy == "resume"
    assert staff.client.get("/staff/courses/nope/settings/").status_code == 404


def test_the_form_shows_the_current_settings(learner_factory):
    make_course("c1", passing_score=Decimal("80"), self_enrol=True)
    staff = learner_factory("boss", staff=True)
    body = staff.client.get("/staff/courses/c1/settings/").content.decode()
    assert 'value="resume" id="id_relaunch_policy_0" required checked' in body
    assert "Resume previous attempt" in body and "New attempt on relaunch" in body
    assert 'value="passed" id="id_certificate_on_0" required checked' in body
    assert 'name="passing_score" id="id_passing_score"' in body and 'value="80.00"' in body
    assert 'name="self_enrol" id="id_self_enrol" checked' in body
    assert '<label for="id_passing_score">' in body


def test_saving_valid_settings_updates_the_course(learner_factory):
    make_course("c1")
    staff = learner_factory("boss", staff=True)
    response = staff.client.post("/staff/courses/c1/settings/", VALID, follow=True)
    assert response.redirect_chain == [("/staff/courses/c1/settings/", 302)]
    assert "Settings saved." in response.content.decode()
    course = Course.objects.get()
    assert (course.title, course.description) == ("Golf basics", "Rules and etiquette.")
    assert (course.relaunch_policy, course.certificate_on) == ("new", "completed")
    assert course.passing_score == Decimal("72.5")
    assert course.self_enrol is True
    assert (course.max_attempts, course.new_attempt_when, course.grading) == (
        3,
        "passed_or_failed",
        "last",
    )
    staff.client.post("/staff/courses/c1/settings/", {**VALID, "passing_score": ""})
    staff.client.post(
        "/staff/courses/c1/settings/", {**VALID, "passing_score": "", "self_enrol": ""}
    )
    course.refresh_from_db()
    assert course.passing_score is None and course.self_enrol is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"passing_score": "150"}, "passing_score", "less than or equal to 100"),
        ({"passing_score": "-1"}, "passing_score", "greater than or equal to 0"),
        ({"passing_score": "12.345"}, "passing_score", "no more than 2 decimal places"),
        ({"passing_score": "lots"}, "passing_score", "Enter a number"),
        ({"relaunch_policy": "sometimes"}, "relaunch_policy", "Select a valid choice"),
        ({"max_attempts": "0"}, "max_attempts", "greater than or equal to 1"),
        ({"new_attempt_when": "whenever"}, "new_attempt_when", "Select a valid choice"),
        ({"grading": "best"}, "grading", "Select a valid choice"),
        ({"title": ""}, "title", "This field is required"),
    ],
)
def test_invalid_settings_show_the_error_and_change_nothing(
    learner_factory, changes, field, message
):
    make_course("c1")
    staff = learner_factory("boss", staff=True)
    response = staff.client.post("/staff/courses/c1/settings/", {**VALID, **changes})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'role="alert"' in body
    if field in {"passing_score", "title"}:
        assert f'name="{field}" id="id_{field}"' in body
        assert 'aria-invalid="true"' in body
    course = Course.objects.get()
    assert (course.relaunch_policy, course.passing_score, course.title) == (
        "resume",
        None,
        "Course c1",
    )


def test_new_attempt_on_relaunch_takes_effect_for_the_next_start(learner_factory):
    course = make_course("c1", standard="1.2")
    ana = learner_factory(enrol=[course])
    staff = learner_factory("boss", staff=True)
    first = ana.start("c1")
    ana.result(first, {"cmi.core.lesson_location": "2"})
    staff.client.post("/staff/courses/c1/settings/", {**VALID, "passing_score": ""})
    second = ana.start("c1")
    assert second["attemptId"] != first["attemptId"]
    assert ana.state("c1")["attemptId"] == second["attemptId"]
