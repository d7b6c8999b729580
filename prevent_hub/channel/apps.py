from django.apps import AppConfig


class ChannelConfig(AppConfig):
    name = "prevent_hub.channel"
    label = "channel"
    verbose_name = "Channel Panel case management"
