import pytest

from prevent_hub.accounts.models import User
from prevent_hub.audit.models import AccessLog, ChangeLog
from prevent_hub.audit.services import log_access, log_change, verify_chain
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


@pytest.fixture
def chain(organisation, user):
    """Twelve change entries and six access entries written by this test (seqs returned)."""
    changes = [
        log_change(
            actor=user if i % 2 else None,
            instance=organisation,
            action="update",
            before={"name": f"Name {i}", "notes": ["ünïcode", {"n": i}]},
            after={"name": f"Name {i + 1}", "notes": ["ünïcode", {"n": i + 1}]},
        ).seq
        for i in range(12)
    ]
    accesses = [
        log_access(actor=user, event="consultation", target=organisation, sections=["name"], purpose=f"Review {i}").seq
        for i in range(6)
    ]
    assert verify_chain(ChangeLog).ok and verify_chain(AccessLog).ok
    return {ChangeLog: changes, AccessLog: accesses}
