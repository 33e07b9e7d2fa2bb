from django.urls import path

from scormlms.tracking import api, views

app_name = "tracking"

urlpatterns = [
    path("api/scorm/result", api.scorm_result, name="result"),
    path("lms/enrolments/<slug:course_id>/state", api.enrolment_state, name="state"),
    path("lms/attempt/start", api.attempt_start, name="start"),
    path("lms/attempt/open", api.attempt_open, name="open"),
    path("api/scorm/sequencing", api.sequencing_save, name="sequencing"),
    path("lms/attempt/discard", api.attempt_discard, name="discard"),
    path("scorm/runtime/commit", api.runtime_commit, name="runtime_commit"),
    path("lms/admin/enrolments", api.admin_enrolments, name="admin_enrolments"),
    path(
        "certificates/<str:code>/download", views.certificate_download, name="certificate_download"
    ),
    path("certificates/verify/", views.certificate_verify, name="certificate_verify_form"),
    path("certificates/verify/<str:code>", views.certificate_verify, name="certificate_verify"),
]
