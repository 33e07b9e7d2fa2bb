from django.urls import path

from scormlms.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<slug:course_id>/", views.course_page, name="course_page"),
    path("courses/<slug:course_id>/new-attempt", views.new_attempt, name="new_attempt"),
    path("staff/courses/<slug:course_id>/settings/", views.course_settings, name="course_settings"),
    path("staff/courses/<slug:course_id>/report/", views.course_report, name="course_report"),
    path("staff/attempts/", views.staff_attempts, name="staff_attempts"),
    path("staff/attempts/<uuid:attempt_id>/", views.staff_attempt, name="staff_attempt"),
    path(
        "staff/attempts/<uuid:attempt_id>/record/<slug:action>",
        views.staff_record,
        name="staff_record",
    ),
]
