from django.urls import path

from scormlms.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
]
