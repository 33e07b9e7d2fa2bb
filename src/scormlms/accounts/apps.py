from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scormlms.accounts"
    label = "accounts"

    def ready(self) -> None:
        from scormlms import housekeeping

        housekeeping.install()
