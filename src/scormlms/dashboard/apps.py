from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "scormlms.dashboard"
    label = "dashboard"
