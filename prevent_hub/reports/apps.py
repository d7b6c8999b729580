from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "prevent_hub.reports"
    label = "reports"
    verbose_name = "Reports to the Strategy Group and boards"
