"""The learner dashboard: one card per enrolled course, its primary action by state."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.helpers import count_queries
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def _card(html: str, course_id: str) -> str:
    match = re.search(rf'<article[^>]*data-course-id="{course_id}".*?</article>', html, re.S)
    assert match, f"no card for {course_id}"
    return match.group(0)


def _primary(card: str) -> tuple[str, str]:
    match = re.search(r'<a class="[^"]*primary-action[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', card)
    assert match
    return match.group(2), match.group(1)


def test_logged_out_visitors_go_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_learner_sees_start(learner_factory):
    course = make_course("c1")
    ana = learner_factory(enrol=[course])
    response = ana.client.get("/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    card = _card(response.content.decode(), "c1")
    assert _primary(card) == ("Start", "/courses/c1/play")
    assert 'class="status badge not-started">Not started<' in card
    assert 'aria-valuenow="0"' in card
    assert re.search(r'class="button certificate"[^>]* hidden', card)
    assert re.search(r'class="button secondary-action"[^>]* hidden', card)
    assert 'data-state-url="/lms/enrolments/c1/state"' in card
    assert "scormlms/dashboard.js" in response.content.decode()


def test_an_attempt_in_progress_shows_resume_progress_and_last_activity(learner_factory):
    course = make_course("c1", standard="1.2")
    ana = learner_factory(enrol=[course])
    ana.result(ana.start("c1"), {"cmi.core.lesson_location": "3/10"})
    card = _card(ana.client.get("/").content.decode(), "c1")
    assert _primary(card) == ("Resume", "/courses/c1/play")
    assert ">In progress<" in card
    assert 'aria-valuenow="30"' in card and "width: 30%" in card
    assert re.search(r'<time datetime="[^"]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', card)


def _secondary(card: str) -> tuple[str, str] | None:
    match = re.search(r'<a class="button secondary-action" href="([^"]+)"[^>]*>([^<]*)</a>', card)
    assert match
    return None if " hidden" in match.group(0) else (match.group(2), match.group(1))


def test_a_passed_course_shows_review_score_certificate_and_a_new_attempt(learner_factory):
    course = make_course("c1", standard="1.2")
    ana = learner_factory(enrol=[course])
    ana.result(ana.start("c1"), {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"})
    card = _card(ana.client.get("/").content.decode(), "c1")
    assert _primary(card) == ("Review", "/courses/c1/play")
    assert _secondary(card) == ("Start a new attempt", "/courses/c1/new-attempt")
    assert ">Passed<" in card
    assert '<dd class="score">85 %</dd>' in card
    assert '<dd class="attempts-used">1</dd>' in card
    cert = re.search(r'<a class="button certificate" href="(/certificates/[^"]+/download)"', card)
    assert cert and " hidden" not in cert.group(0)
    assert ana.client.get(cert.group(1))["Content-Type"] == "application/pdf"


def test_a_failed_course_shows_failed_with_review(learner_factory):
    course = make_course("c1", standard="1.2")
    ana = learner_factory(enrol=[course])
    ana.result(ana.start("c1"), {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "20"})
    card = _card(ana.client.get("/").content.decode(), "c1")
    assert ">Failed<" in card and "20 %" in card
    assert _primary(card)[0] == "Review"
    assert _secondary(card) == ("Start a new attempt", "/courses/c1/new-attempt")
    assert re.search(r'class="button certificate"[^>]* hidden', card)


def test_at_the_attempt_limit_the_card_says_why_instead_of_a_button(learner_factory):
    course = make_course("c1", standard="1.2", max_attempts=1)
    ana = learner_factory(enrol=[course])
    ana.result(ana.start("c1"), {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "20"})
    card = _card(ana.client.get("/").content.decode(), "c1")
    assert _secondary(card) is None
    assert '<dd class="attempts-used">1 of 1</dd>' in card
    message = re.search(r'<p class="new-attempt-message[^"]*"([^>]*)>([^<]*)</p>', card)
    assert message and "hidden" not in message.group(1)
    assert message.group(2) == "You have used all 1 attempt of this course."


def test_cards_only_show_the_learners_own_courses_in_title_order(learner_factory):
    b = make_course("b")
    a = make_course("a")
    make_course("other")
    ana = learner_factory(enrol=[b, a])
    html = ana.client.get("/").content.decode()
    assert re.findall(r'<article[^>]*data-course-id="([^"]+)"', html) == ["a", "b"]


def test_self_enrolment_lists_open_courses_and_enrols_with_csrf(learner_factory):
    make_course("open", self_enrol=True)
    make_course("closed")
    ana = learner_factory()
    html = ana.client.get("/").content.decode()
    assert "not enrolled in any course" in html
    assert 'action="/courses/open/enrol/"' in html
    assert "/courses/closed/enrol/" not in html

    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ana.user)
    assert strict.post("/courses/open/enrol/").status_code == 403  # no CSRF token
    response = ana.client.post("/courses/open/enrol/")
    assert response.status_code == 302
    html = ana.client.get("/").content.decode()
    assert _primary(_card(html, "open"))[0] == "Start"
    assert 'action="/courses/open/enrol/"' not in html


def _passed_course(learner, course_id: str) -> None:
    course = make_course(course_id, standard="1.2")
    learner.user.enrolments.create(course=course)
    learner.result(learner.start(course_id), {"cmi.core.lesson_status": "passed"})


def test_the_dashboard_reads_a_fixed_number_of_queries(learner_factory):
    ana = learner_factory()
    _passed_course(ana, "first")
    small = count_queries(lambda: ana.client.get("/"))
    for i in range(5):
        _passed_course(ana, f"more{i}")
    assert count_queries(lambda: ana.client.get("/")) == small
