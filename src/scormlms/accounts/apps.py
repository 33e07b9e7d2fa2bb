from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scormlms.accounts"
    label = "accounts"
