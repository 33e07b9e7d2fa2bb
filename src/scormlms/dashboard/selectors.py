"""Page reads for the dashboard, course page and staff reports.

Built on :mod:`scormlms.tracking.selectors` (the same state fields the JSON endpoints answer),
each a fixed number of queries whatever the data size.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Floor, Least
from django.urls import reverse
from django.utils.http import urlencode

from scormlms.courses.models import Course, Enrolment, Item
from scormlms.courses.selectors import courses_open_for_self_enrolment
from scormlms.dashboard import cmi as cmi_read
from scormlms.dashboard.charts import Bar
from scormlms.scorm import outcome as rules
from scormlms.tracking import selectors as tracking
from scormlms.tracking.models import Attempt, AttemptEvent, ScoAttempt
from scormlms.tracking.services import key_values

# ------------------------------------------------------------------------------- learner cards


def play_url(course_id: str) -> str:
    # The player's address is part of the contract (SPEC §7), not this app's URL map.
    return f"/courses/{course_id}/play"


def card(course: Course, fields: dict[str, Any]) -> dict[str, Any]:
    """One course card: the state fields plus the one primary action that state calls for.

    The rules mirror ``actionFor`` in ``static/scormlms/dashboard.js``, which redraws the card
    from ``…/state`` without a reload (seed 003 §5).
    """
    course_url = reverse("course_page", args=[course.course_id])
    status = fields["status"]
    play = play_url(course.course_id)
    secondary = None
    if status == Attempt.Status.COMPLETED:
        # A finished attempt is reviewed, not restarted (SPEC §6); a retake is asked for.
        primary = "Review"
        secondary = "Start a new attempt"
    elif status == Attempt.Status.IN_PROGRESS and fields["canResume"]:
        primary = "Resume"
        secondary = "Start over"
    else:
        primary = "Start"
    new = fields.get("newAttempt") or {}
    if not new.get("allowed"):
        secondary = None
    return {
        **fields,
        "course": course,
        "primary_label": primary,
        "primary_href": play,
        "secondary_label": secondary,
        "secondary_href": new.get("url") if secondary else None,
        "course_url": course_url,
        "play_url": play_url(course.course_id),
        "state_url": reverse("tracking:state", args=[course.course_id]),
    }


@dataclass(frozen=True)
class Dashboard:
    cards: list[dict[str, Any]]
    open_courses: list[Course]


def dashboard(*, learner: AbstractBaseUser) -> Dashboard:
    """The learner's courses and the ones they may enrol in themselves. Two queries."""
    cards = [
        card(fields.pop("course"), fields) for fields in tracking.learner_cards(learner=learner)
    ]
    return Dashboard(
        cards=cards,
        open_courses=list(courses_open_for_self_enrolment(user=learner).order_by("title")),
    )


# --------------------------------------------------------------------------------- raw values


@dataclass(frozen=True)
class ScoView:
    """One SCO attempt as the raw-values panels show it."""

    sco: ScoAttempt
    title: str
    values: dict[str, str]
    interactions: list[cmi_read.Interaction]
    objectives: list[cmi_read.Objective]
    cmi_json: str
    status: str


def sco_view(sco: ScoAttempt, titles: dict[str, str]) -> ScoView:
    return ScoView(
        sco=sco,
        title=titles.get(sco.item_id, sco.item_id),
        values=key_values(sco),
        interactions=cmi_read.interactions(sco.cmi, sco.standard),
        objectives=cmi_read.objectives(sco.cmi, sco.standard),
        cmi_json=cmi_read.pretty(sco.cmi),
        status=rules.display_status(
            passed=sco.passed,
            pass_state=sco.pass_state,  # type: ignore[arg-type]
            completed=sco.completed,
            has_open_attempt=True,
        ),
    )


def _titles(items: list[Item]) -> dict[str, str]:
    return {item.item_id: item.title for item in items}


# -------------------------------------------------------------------------------- course page


@dataclass(frozen=True)
class AttemptView:
    attempt: Attempt
    fields: dict[str, Any]
    scos: list[ScoView]


@dataclass(frozen=True)
class CoursePage:
    course: Course
    card: dict[str, Any] | None  # None: staff looking at a course they are not enrolled in
    items: list[dict[str, Any]]
    attempts: list[AttemptView]


def course_page(*, user: AbstractBaseUser, course: Course) -> CoursePage:
    """The SCO checklist of the current attempt and every attempt of this user. Six queries."""
    state = tracking.enrolment_state(learner=user, course=course)
    items = list(course.items.all())
    if state is None:
        fields = tracking.attempt_fields(None)
        checklist = tracking.item_states(items, [])
    else:
        fields = state.fields
        checklist = fields.pop("items")
    attempts = (
        Attempt.objects.filter(learner_id=user.pk, course=course)
        .select_related("certificate")
        .prefetch_related("sco_attempts")
        .order_by("-launched_at")
    )
    titles = _titles(items)
    return CoursePage(
        course=course,
        card=card(course, fields) if state is not None else None,
        items=[row for row in checklist if row["visible"]],
        attempts=[
            AttemptView(
                attempt=a,
                fields=tracking.attempt_fields(a),
                scos=[sco_view(s, titles) for s in a.sco_attempts.all()],
            )
            for a in attempts
        ],
    )


# ---------------------------------------------------------------------------- attempts table

# (ordering key of tracking.selectors.ORDERINGS or None, column heading)
COLUMNS: tuple[tuple[str | None, str], ...] = (
    ("learner", "Learner"),
    ("course", "Course"),
    ("status", "Status"),
    ("score", "Score"),
    (None, "Pass"),
    ("progress", "Progress"),
    ("launchedAt", "Launched"),
    ("lastCommitAt", "Last activity"),
)
DEFAULT_ORDERING = "-lastCommitAt"
PAGE_SIZE = 50


@dataclass(frozen=True, kw_only=True)
class TableQuery:
    """The table's filters, search, ordering and page: what its links carry."""

    course: str = ""
    status: str = ""
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    page: int = 1

    def filters(self) -> dict[str, str]:
        """The non-empty filters and a non-default ordering, as the API names them."""
        params = {"course": self.course, "status": self.status, "q": self.q}
        if self.ordering != DEFAULT_ORDERING:
            params["ordering"] = self.ordering
        return {k: v for k, v in params.items() if v}

    def link(self, **changes: Any) -> str:
        params = self.filters()
        params.update({k: str(v) for k, v in changes.items() if v not in (None, "")})
        return "?" + urlencode(params) if params else "?"


@dataclass(frozen=True)
class Header:
    label: str
    href: str | None
    aria_sort: str | None


@dataclass(frozen=True)
class StaffTable:
    query: TableQuery
    page: Page[Any]
    rows: list[dict[str, Any]]
    headers: list[Header]
    csv_url: str
    courses: list[Course] = field(default_factory=list)
    statuses: tuple[str, ...] = tracking.STATUSES

    @property
    def prev_link(self) -> str | None:
        return self.query.link(page=self.page.number - 1) if self.page.has_previous() else None

    @property
    def next_link(self) -> str | None:
        return self.query.link(page=self.page.number + 1) if self.page.has_next() else None


def _headers(query: TableQuery) -> list[Header]:
    headers = []
    for key, label in COLUMNS:
        if key is None:
            headers.append(Header(label, None, None))
            continue
        if query.ordering == key:
            sort, toggled = "ascending", f"-{key}"
        elif query.ordering == f"-{key}":
            sort, toggled = "descending", key
        else:
            sort, toggled = None, key
        headers.append(Header(label, query.link(ordering=toggled), sort))
    return headers


def staff_table(*, query: TableQuery) -> StaffTable:
    """One page of the learner × course table (GET /lms/admin/enrolments's rows). Four queries:
    the count, the page's ids, those rows with their learner, course, attempt and certificate,
    and the course list for the filter.

    The ids come first because sorting narrow rows is what keeps a deep page fast: a database
    that sorts (and skips) thousands of wide joined rows to keep fifty spends most of its time
    moving columns nobody reads.
    """
    qs = tracking.staff_enrolments(
        course_id=query.course, status=query.status, search=query.q, ordering=query.ordering
    )
    page = Paginator(qs.values_list("id", flat=True), PAGE_SIZE).get_page(query.page)
    ids = list(page.object_list)
    # A course's parsed manifest can be tens of kilobytes of JSON: never decode it per row.
    rows = qs.filter(id__in=ids).defer("course__manifest", "course__warnings")
    by_id = {e.id: e for e in rows} if ids else {}
    csv_params = {**query.filters(), "ordering": query.ordering, "format": "csv"}
    return StaffTable(
        query=query,
        page=page,
        rows=[tracking.staff_row(by_id[i]) for i in ids if i in by_id],
        headers=_headers(query),
        csv_url=f"{reverse('tracking:admin_enrolments')}?{urlencode(csv_params)}",
        courses=list(Course.objects.only("course_id", "title").order_by("title")),
    )


# ------------------------------------------------------------------------------ course report

NOT_STARTED_LABEL = rules.DISPLAY_OTHERWISE
# The display statuses (scorm.outcome.DISPLAY_RULES) in the order a learner moves through them.
STATUS_ORDER = (NOT_STARTED_LABEL, "In progress", "Completed", "Passed", "Failed")
SCORE_BUCKETS = tuple(f"{low}–{low + 9}" if low < 90 else "90–100" for low in range(0, 100, 10))


def css_class(display_status: str) -> str:
    return display_status.lower().replace(" ", "-")


@dataclass(frozen=True)
class Report:
    course: Course
    enrolled: int
    completed: int
    passed: int
    overridden: int  # records staff set by hand
    scored: int
    average_score: float | None
    score_bars: list[Bar]
    status_bars: list[Bar]

    @property
    def completion_rate(self) -> float | None:
        return 100 * self.completed / self.enrolled if self.enrolled else None

    @property
    def pass_rate(self) -> float | None:
        return 100 * self.passed / self.enrolled if self.enrolled else None


def course_report(*, course: Course) -> Report:
    """Rates and distributions over the enrolled learners' records (SPEC §6: the record, not
    the latest attempt, so a retake in progress never hides a pass), counted by the database
    in two grouped queries whatever the number of learners."""
    enrolments = Enrolment.objects.filter(course=course)
    groups = (
        enrolments.values("record_status", "record_completed", "record_passed")
        .annotate(n=Count("id"), overridden=Count("override_at"))
        .order_by()
    )
    statuses: Counter[str] = Counter()
    completed = passed = overridden = 0
    for group in groups:
        statuses[group["record_status"]] += group["n"]
        completed += group["n"] if group["record_completed"] or group["record_passed"] else 0
        passed += group["n"] if group["record_passed"] else 0
        overridden += group["overridden"]
    score = F("record_score")
    bands = (
        enrolments.filter(record_score__isnull=False)
        .annotate(band=Least(Floor(score / 10), Value(9.0)))
        .values("band")
        .annotate(n=Count("id"), total=Sum(score))
        .order_by()
    )
    by_band = {int(b["band"]): b for b in bands}
    scored = sum(b["n"] for b in by_band.values())
    return Report(
        course=course,
        enrolled=sum(statuses.values()),
        completed=completed,
        passed=passed,
        overridden=overridden,
        scored=scored,
        average_score=sum(b["total"] for b in by_band.values()) / scored if scored else None,
        score_bars=[
            Bar(label, by_band[i]["n"] if i in by_band else 0)
            for i, label in enumerate(SCORE_BUCKETS)
        ],
        status_bars=[Bar(s, statuses[s], css_class(s)) for s in STATUS_ORDER],
    )


# ----------------------------------------------------------------------------- attempt detail


@dataclass(frozen=True)
class EventView:
    event: AttemptEvent
    item_title: str
    data_json: str


@dataclass(frozen=True)
class AttemptDetail:
    attempt: Attempt
    fields: dict[str, Any]
    scos: list[ScoView]
    events: list[EventView]
    enrolment: Enrolment | None  # the learner's enrolment, with the record and its override
    record: dict[str, Any]


def attempt_detail(*, attempt_id: uuid.UUID) -> AttemptDetail | None:
    """Everything stored about one attempt, for staff, with the learner's record. Five
    queries."""
    attempt = (
        Attempt.objects.select_related("learner", "course", "certificate")
        .filter(id=attempt_id)
        .first()
    )
    if attempt is None:
        return None
    titles = _titles(list(attempt.course.items.all()))
    scos = attempt.sco_attempts.order_by("first_launched_at", "id")
    events = attempt.events.order_by("created_at", "id")
    enrolment = (
        Enrolment.objects.select_related("current_attempt", "override_by")
        .filter(learner_id=attempt.learner_id, course_id=attempt.course_id)
        .first()
    )
    return AttemptDetail(
        attempt=attempt,
        enrolment=enrolment,
        record=tracking.record_fields(enrolment, attempt.course),
        fields=tracking.attempt_fields(attempt),
        scos=[sco_view(s, titles) for s in scos],
        events=[
            EventView(
                event=e,
                item_title=titles.get(e.item_id, e.item_id),
                data_json=json.dumps(e.data, ensure_ascii=False, sort_keys=True),
            )
            for e in events
        ],
    )
