from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "prevent_hub.accounts"
    label = "accounts"
