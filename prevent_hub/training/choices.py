from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseLevel(models.TextChoices):
    AWARENESS = "awareness", _("Awareness (e-learning)")
    WRAP = "wrap", _("WRAP")
    WRAP3 = "wrap3", _("WRAP 3 for schools")
    BEYOND_WRAP = "beyond_wrap", _("Beyond WRAP")
    TRAIN_THE_TRAINER = "train_the_trainer", _("Train the trainer")
    ZAK = "zak", _("Zak session")
    PARENTS = "parents", _("Parents and foster carers")
    MEMBERS = "members", _("Elected members' briefing")
    OTHER = "other", _("Other")


class Delivery(models.TextChoices):
    ELEARNING = "elearning", _("E-learning")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Live online")
