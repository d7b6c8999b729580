"""Head-counts by the attendees' organisation (or their sector where it is not known).

Until now a trainer's return through a link counted every person under the session's host
organisation (four NHS nurses at a county council session were the council's). From now on each
line of a return, and of the coordinator's form, names the organisation the people come from, or
their sector where it is not in the directory, and counts under it.

Existing rows are not changed: every one keeps the organisation and the sector it was saved with,
so no coverage or quarterly figure changes silently. Rows that came from a trainer's return and
carry the session's host as their organisation are marked ``credited_to_host``: the session page
says those people were counted under the host because the return did not name their organisation,
so a coordinator can correct a row where they know better (remove it and add it again). Every
existing row already has a sector (it was required), so the new rule that each row has one holds.
"""
import django.db.models.deletion
from django.db import migrations, models


def mark_rows_credited_to_the_host(apps, schema_editor):
    HeadCount = apps.get_model("training", "HeadCount")
    HeadCount.objects.exclude(returned_by="").filter(organisation__isnull=False,
                                                     organisation_id=models.F("session__host_id")).update(
        credited_to_host=True)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0002_organisation_workforce_size'),
        ('training', '0003_completion_date_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='headcount',
            name='credited_to_host',
            field=models.BooleanField(db_default=False, default=False, editable=False, verbose_name='counted under the host'),
        ),
        migrations.AlterField(
            model_name='headcount',
            name='organisation',
            field=models.ForeignKey(blank=True, help_text='Where these people work. Leave it blank only if their organisation is not in the directory, and choose their sector.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organisation', verbose_name="attendees' organisation"),
        ),
        migrations.AlterField(
            model_name='headcount',
            name='sector',
            field=models.CharField(blank=True, choices=[('local_authority', 'Local authority'), ('education', 'Education and childcare'), ('health', 'Health'), ('prisons_probation', 'Prisons and probation'), ('police', 'Police'), ('voluntary_community', 'Voluntary and community'), ('faith', 'Faith'), ('other', 'Other')], help_text='Only for people whose organisation is not chosen: people from an organisation count under its sector.', max_length=30, verbose_name='sector'),
        ),
        migrations.AddConstraint(
            model_name='headcount',
            constraint=models.CheckConstraint(condition=models.Q(('sector', ''), _negated=True), name='training_headcount_has_sector'),
        ),
        # Last, after every change to the table's definition (PostgreSQL refuses to alter a table with
        # updates waiting on deferred checks in the same transaction).
        migrations.RunPython(mark_rows_credited_to_the_host, migrations.RunPython.noop, elidable=True),
    ]
