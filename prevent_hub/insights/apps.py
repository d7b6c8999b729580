from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "prevent_hub.insights"
    label = "insights"
    verbose_name = "Referral statistics"
