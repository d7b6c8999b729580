"""One update link per owner and period (for all their actions), and who each update is from."""
import django.db.models.deletion
from django.db import migrations, models


def link_versions(apps, schema_editor):
    OwnerLink = apps.get_model("plans", "OwnerLink")
    for link in OwnerLink.objects.select_related("action"):
        link.plan_version_id = link.action.plan_version_id
        link.save(update_fields=["plan_version"])


def unlink_versions(apps, schema_editor):
    # Going back, a link names its first action: the older links opened one action each.
    OwnerLink = apps.get_model("plans", "OwnerLink")
    ActionOwner = apps.get_model("plans", "ActionOwner")
    for link in OwnerLink.objects.all():
        owned = ActionOwner.objects.filter(person_id=link.person_id, action__plan_version_id=link.plan_version_id)
        first = owned.order_by("action__sort_key").first()
        if first is None:
            link.delete()
        else:
            link.action_id = first.action_id
            link.save(update_fields=["action"])


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0001_initial"),
        ("plans", "0004_email_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="ownerlink",
            name="plan_version",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="owner_links",
                                    to="plans.planversion"),
        ),
        migrations.AlterField(
            model_name="ownerlink",
            name="action",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="owner_links",
                                    to="plans.action"),
        ),
        migrations.RunPython(link_versions, unlink_versions),
        migrations.RemoveIndex(model_name="ownerlink", name="plans_owner_partner_8e11de_idx"),
        migrations.RemoveField(model_name="ownerlink", name="action"),
        migrations.AlterField(
            model_name="ownerlink",
            name="plan_version",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="owner_links",
                                    to="plans.planversion"),
        ),
        migrations.AlterField(
            model_name="ownerlink",
            name="used_at",
            field=models.DateTimeField(blank=True, help_text="When every action on it had been updated.", null=True),
        ),
        migrations.AddIndex(
            model_name="ownerlink",
            index=models.Index(fields=["partnership", "plan_version", "person", "period_start"],
                               name="plans_ownerlink_person_idx"),
        ),
        migrations.AddField(
            model_name="progressupdate",
            name="person",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="directory.person", verbose_name="owner"),
        ),
        migrations.AlterField(
            model_name="emaillog",
            name="kind",
            field=models.CharField(choices=[("digest", "Digest"), ("chaser", "Chaser"), ("request", "Update request"),
                                            ("link", "New link, asked for by the owner"),
                                            ("meeting", "Meeting reminder"), ("review", "Terms of reference review")],
                                   max_length=10),
        ),
    ]
