from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "prevent_hub.plans"
    label = "plans"
