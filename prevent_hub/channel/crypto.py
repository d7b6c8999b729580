"""Encryption at rest for case identity, special-category data and narrative.

Authenticated encryption (Fernet: AES-128-CBC with HMAC-SHA256) with keys from the
environment (``FIELD_ENCRYPTION_KEYS``, comma-separated, newest first). Every key
in the list can decrypt; only the first encrypts. To rotate: put a new key first,
keep the old ones after it, run ``manage.py rotate_case_keys``, then drop the old.

A database copy, backup or SQL log without the keys shows only ciphertext.
"""
import datetime
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"  # marks a stored value as ciphertext, so a plain value is never mistaken for one


@functools.lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: case data cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured("Each FIELD_ENCRYPTION_KEYS entry must be a Fernet key (32 url-safe base64 bytes).") from error


def keyring() -> MultiFernet:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return PREFIX + keyring().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("A value in an encrypted column is not ciphertext.")
    try:
        return keyring().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("Case data cannot be decrypted with the configured keys.") from error


class EncryptedTextField(models.TextField):
    """Text encrypted before it reaches the database. It cannot be searched or filtered on."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return self.to_python(decrypt(value))

    def get_prep_value(self, value):
        value = self.serialise(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def serialise(self, value):
        return value


class EncryptedDateField(EncryptedTextField):
    """A date held encrypted (a date of birth): the form shows a date input."""

    def to_python(self, value):
        if value in (None, "") or isinstance(value, datetime.date):
            return value or None
        return datetime.date.fromisoformat(value)

    def serialise(self, value):
        return value.isoformat() if isinstance(value, datetime.date) else value

    def formfield(self, **kwargs):
        from prevent_hub.core.forms import GovUKDateField

        return GovUKDateField(required=not self.blank, label=self.verbose_name.capitalize(),
                              help_text=self.help_text, **{k: v for k, v in kwargs.items() if k in ("initial",)})


def encrypted_fields(model) -> list:
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
