import pytest

from prevent_hub.accounts.models import User
from prevent_hub.directory.models import Organisation, Partnership


@pytest.fixture
def partnership(db):
    return Partnership.objects.create(name="Alpha Partnership", slug="alpha")


@pytest.fixture
def organisation(partnership):
    return Organisation.objects.create(partnership=partnership, name="Alpha Council", sector="local_authority")


@pytest.fixture
def user(db):
    return User.objects.create_user("olive.officer@example.test", "a-long-test-password-1", full_name="Olive Officer")
