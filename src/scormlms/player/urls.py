from django.urls import path

from scormlms.player import views

app_name = "player"

urlpatterns = [
    path("courses/<slug:course_id>/play", views.play, name="play"),
]
