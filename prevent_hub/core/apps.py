from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prevent_hub.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from .changes import install_after_migrate
        from .params import IdConverter

        # Record ids in paths are <id:pk>, never <id:pk>: a number no record can have is a 404 (core.params).
        register_converter(IdConverter, "id")

        # The write-counting triggers (core.changes) go on every partnership-scoped table, new ones included.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="core.changes.install_triggers")
