"""An approval's reason and feedback comments are free text that can name people: encrypt them at rest.

The existing rows are encrypted in place (and decrypted again if the migration is reversed). The columns stay
text; only what they hold changes. Raw SQL, because the field class would try to decrypt the plain text.
"""
from django.db import migrations

import prevent_hub.channel.crypto

COLUMNS = (("channel_approval", "reason"), ("channel_channelfeedback", "comments"))


def _rewrite(schema_editor, convert, wanted) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in COLUMNS:
            cursor.execute(f"SELECT {quote('id')}, {quote(column)} FROM {quote(table)}")
            rows = [(pk, value) for pk, value in cursor.fetchall() if value and wanted(value)]
            for pk, value in rows:
                cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote('id')} = %s",
                               [convert(value), pk])


def encrypt_rows(apps, schema_editor):
    from prevent_hub.channel.crypto import PREFIX, encrypt

    _rewrite(schema_editor, encrypt, lambda value: not value.startswith(PREFIX))


def decrypt_rows(apps, schema_editor):
    from prevent_hub.channel.crypto import PREFIX, decrypt

    _rewrite(schema_editor, decrypt, lambda value: value.startswith(PREFIX))


class Migration(migrations.Migration):

    dependencies = [
        ("channel", "0002_feedbacklink_expires_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="approval",
            name="reason",
            field=prevent_hub.channel.crypto.EncryptedTextField(verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="channelfeedback",
            name="comments",
            field=prevent_hub.channel.crypto.EncryptedTextField(blank=True, verbose_name="comments"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
