from django.urls import path

from scormlms.courses import views

app_name = "courses"

urlpatterns = [
    path("content/<slug:course_id>/<path:path>", views.content, name="content"),
    path("api/courses", views.api_course_create, name="api_create"),
    path("staff/courses/", views.staff_courses, name="staff_courses"),
    path("staff/courses/<slug:course_id>/enrol/", views.staff_enrol, name="staff_enrol"),
    path("courses/<slug:course_id>/enrol/", views.self_enrol, name="self_enrol"),
]
