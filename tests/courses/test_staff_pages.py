"""Staff course list (upload form), staff enrol page, learner self-enrolment."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client

from scormlms.courses.models import Course, Enrolment
from scormlms.courses.services import course_update_settings, enrolment_self
from tests.courses.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --------------------------------------------------------------------------- course list


def test_course_list_shows_courses_and_links_to_the_enrol_page(
    staff: User, learner: User, quiz: Course
) -> None:
    Enrolment.objects.create(learner=learner, course=quiz)
    response = logged_in(staff).get("/staff/courses/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="upload-form"' in html and 'action="/api/courses"' in html
    assert '<label for="id_file">' in html and '<label for="upload-bar">' in html
    assert "/static/courses/upload.js" in html
    row = html[html.index('data-course-id="quiz"') :]
    assert "Web basics quiz (SCORM 1.2 sample)" in row
    assert "<td>1</td><td>1</td>" in row  # version 1, one learner enrolled
    assert 'href="/staff/courses/quiz/enrol/"' in row
    assert 'href="/staff/courses/quiz/settings/"' in row  # self-enrolment is switched on there


def test_upload_script_is_a_findable_static_file() -> None:
    found = finders.find("courses/upload.js")
    assert isinstance(found, str) and "XMLHttpRequest" in Path(found).read_text()


def test_empty_course_list(staff: User) -> None:
    response = logged_in(staff).get("/staff/courses/")
    assert "No courses yet" in response.content.decode()


def test_course_list_is_staff_only(learner: User) -> None:
    assert logged_in(learner).get("/staff/courses/").status_code == 403
    anonymous = Client().get("/staff/courses/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


# --------------------------------------------------------------------------- staff enrol


def test_enrol_page_lists_enrolled_learners(staff: User, learner: User, quiz: Course) -> None:
    Enrolment.objects.create(learner=learner, course=quiz)
    response = logged_in(staff).get("/staff/courses/quiz/enrol/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enrol learners in Web basics quiz" in html
    assert '<label for="id_usernames">' in html
    assert "<li>lena</li>" in html


def test_enrol_several_learners(
    staff: User, learner: User, quiz: Course, django_user_model: type[User]
) -> None:
    django_user_model.objects.create_user("omar", password=PASSWORD)
    client = logged_in(staff)
    response = client.post("/staff/courses/quiz/enrol/", {"usernames": "lena, omar\nghost"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/courses/quiz/enrol/"
    enrolled = Enrolment.objects.filter(course=quiz).values_list("learner__username", flat=True)
    assert sorted(enrolled) == ["lena", "omar"]
    html = client.get(response["Location"]).content.decode()
    assert "lena enrolled." in html and "omar enrolled." in html
    assert "No user named &#x27;ghost&#x27;." in html
    again = client.post("/staff/courses/quiz/enrol/", {"usernames": "lena"}, follow=True)
    assert "lena was already enrolled." in again.content.decode()
    assert Enrolment.objects.filter(course=quiz).count() == 2


def test_enrol_form_errors_are_shown(staff: User, quiz: Course) -> None:
    response = logged_in(staff).post("/staff/courses/quiz/enrol/", {"usernames": " , "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter at least one username." in html and 'aria-invalid="true"' in html


def test_enrol_page_is_staff_only(learner: User, quiz: Course) -> None:
    client = logged_in(learner)
    assert client.get("/staff/courses/quiz/enrol/").status_code == 403
    assert client.post("/staff/courses/quiz/enrol/", {"usernames": "lena"}).status_code == 403
    assert Enrolment.objects.count() == 0


def test_enrol_page_of_unknown_course(staff: User) -> None:
    assert logged_in(staff).get("/staff/courses/nope/enrol/").status_code == 404


# --------------------------------------------------------------------------- self-enrolment


def _allow_self_enrol(course: Course) -> None:
    course_update_settings(
        course=course,
        relaunch_policy=course.relaunch_policy,
        certificate_on=course.certificate_on,
        passing_score=None,
        self_enrol=True,
    )


def test_self_enrolment_when_the_course_allows_it(learner: User, quiz: Course) -> None:
    _allow_self_enrol(quiz)
    client = logged_in(learner)
    response = client.post("/courses/quiz/enrol/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.post("/courses/quiz/enrol/").status_code == 302  # twice is harmless
    assert Enrolment.objects.filter(learner=learner, course=quiz).count() == 1


def test_self_enrolment_refused_by_default(learner: User, quiz: Course) -> None:
    response = logged_in(learner).post("/courses/quiz/enrol/")
    assert response.status_code == 403
    assert Enrolment.objects.count() == 0
    with pytest.raises(PermissionError):
        enrolment_self(learner=learner, course=quiz)


def test_self_enrolment_needs_post_login_and_csrf(learner: User, quiz: Course) -> None:
    _allow_self_enrol(quiz)
    assert logged_in(learner).get("/courses/quiz/enrol/").status_code == 405
    assert Client().post("/courses/quiz/enrol/").status_code == 302  # to the login page
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.login(username="lena", password=PASSWORD)
    assert csrf_client.post("/courses/quiz/enrol/").status_code == 403
    assert Enrolment.objects.count() == 0
