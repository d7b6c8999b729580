from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "prevent_hub.audit"
    label = "audit"
