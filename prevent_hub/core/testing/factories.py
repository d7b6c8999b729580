"""factory_boy factories for the foundation models (synthetic data only)."""
import datetime

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from prevent_hub.accounts.models import Membership, User
from prevent_hub.accounts.services import user_email_confirm
from prevent_hub.directory.choices import Sector
from prevent_hub.directory.models import GlossaryTerm, Organisation, Partnership, Person, PreventLead


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test Partnership {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")
    area = "Testshire"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    sector = Sector.LOCAL_AUTHORITY
    is_specified_authority = True


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Faker("name", locale="en_GB")
    job_title = "Safeguarding lead"
    organisation = factory.SubFactory(OrganisationFactory, partnership=factory.SelfAttribute("..partnership"))
    email = factory.Sequence(lambda n: f"person{n}@example.test")


class PreventLeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreventLead

    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory, partnership=factory.SelfAttribute("..partnership"))
    person = factory.SubFactory(
        PersonFactory,
        partnership=factory.SelfAttribute("..partnership"),
        organisation=factory.SelfAttribute("..organisation"),
    )
    start_date = datetime.date(2017, 4, 1)


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlossaryTerm

    partnership = factory.SubFactory(PartnershipFactory)
    acronym = factory.Sequence(lambda n: f"ACR{n}")
    meaning = "A test acronym"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a TOTP authenticator, so the MFA rule lets them in."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            user_email_confirm(user=self)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            TOTP.activate(self, generate_totp_secret())

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """``roles=[(partnership, role), ...]``."""
        for partnership, role in extracted or ():
            Membership.objects.create(user=self, partnership=partnership, role=role)


def totp_secret(user) -> str:
    from allauth.mfa.utils import decrypt

    return decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
