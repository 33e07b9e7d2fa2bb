from django.apps import AppConfig


class PlayerConfig(AppConfig):
    name = "scormlms.player"
    label = "player"
