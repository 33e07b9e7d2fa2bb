from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "scormlms.tracking"
    label = "tracking"
