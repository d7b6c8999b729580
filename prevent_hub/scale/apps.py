from django.apps import AppConfig


class ScaleConfig(AppConfig):
    name = "prevent_hub.scale"
    label = "scale"
    verbose_name = "Scale and performance: synthetic data at national scale, benchmarks"
