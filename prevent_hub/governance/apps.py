from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "prevent_hub.governance"
    label = "governance"
