"""Feedback links expire: each existing link works for CHANNEL_FEEDBACK_LINK_DAYS from the day it was made."""
import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import prevent_hub.channel.models


def expire_from_issue(apps, schema_editor):
    FeedbackLink = apps.get_model("channel", "FeedbackLink")
    days = dt.timedelta(days=settings.CHANNEL_FEEDBACK_LINK_DAYS)
    for pk, made in FeedbackLink.objects.filter(expires_on__isnull=True).values_list("pk", "created_at").iterator():
        FeedbackLink.objects.filter(pk=pk).update(expires_on=timezone.localdate(made) + days)


class Migration(migrations.Migration):

    dependencies = [
        ("channel", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedbacklink",
            name="expires_on",
            field=models.DateField(editable=False, null=True, verbose_name="works until"),
        ),
        migrations.RunPython(expire_from_issue, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="feedbacklink",
            name="expires_on",
            field=models.DateField(default=prevent_hub.channel.models.feedback_link_expiry, editable=False,
                                   verbose_name="works until"),
        ),
    ]
