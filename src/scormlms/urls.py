"""URL map. Each app owns its own paths; this file only mounts them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from scormlms.health import healthz

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Django tries patterns in order: the runtime endpoints, hit most often, come first.
    path("", include("scormlms.tracking.urls")),
    path("", include("scormlms.courses.urls")),
    path("", include("scormlms.player.urls")),
    path("", include("scormlms.dashboard.urls")),
]
