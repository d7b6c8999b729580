"""The Channel chair's settings: assessment factors and retention rules, through the shared role matrix."""
import pytest
from django.urls import reverse

from prevent_hub.channel.demo import STANDARD_FACTORS
from prevent_hub.channel.models import RetentionRule, VafFactor
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.core.testing.matrix import ModelViewMatrix, World, user_with

CASE_TEAM = {Role.CHANNEL_CHAIR, Role.POLICE_PREVENT}
EXPECTED = {"view": CASE_TEAM, "add": {Role.CHANNEL_CHAIR}, "change": {Role.CHANNEL_CHAIR},
            "delete": {Role.CHANNEL_CHAIR}, "history": set()}


class TestVafFactorViews(ModelViewMatrix):
    model = VafFactor
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = EXPECTED

    def make(self, partnership, **kwargs):
        return VafFactor.objects.create(partnership=partnership, dimension="intent",
                                        name=kwargs.get("name", "A local factor"))

    def create_data(self, partnership):
        return {"dimension": "capability", "name": "Another factor", "order": 4, "is_active": "on"}

    def change_data(self, obj):
        return {"dimension": obj.dimension, "name": obj.name, "order": 9, "expected_version": obj.version}


class TestRetentionRuleViews(ModelViewMatrix):
    model = RetentionRule
    actions = ("list", "detail", "add", "edit", "delete", "history")
    expected = EXPECTED
    canary_field = "outcome"

    def make(self, partnership, **kwargs):
        return RetentionRule.objects.create(partnership=partnership, outcome="police_led", years=5)

    @pytest.fixture
    def world(self, db):
        a, b = PartnershipFactory(slug="alpha"), PartnershipFactory(slug="bravo")
        other = RetentionRule.objects.create(partnership=b, outcome="signposted", years=77)
        return World(a=a, b=b, obj=self.make(a), other=other)

    def create_data(self, partnership):
        return {"outcome": "no_further_action", "years": 3}

    def change_data(self, obj):
        return {"outcome": obj.outcome, "years": 7, "expected_version": obj.version}

    def conflicting_change(self, data):
        data["years"] = 11
        return "11"


@pytest.mark.django_db
def test_a_retention_rule_needs_a_sensible_number_of_years(client):
    partnership = PartnershipFactory(slug="alpha")
    client.force_login(user_with(Role.CHANNEL_CHAIR, partnership))
    response = client.post(reverse("channel:retentionrule_add", kwargs={"partnership": "alpha"}),
                           {"outcome": "channel_closed", "years": 0})
    assert response.status_code == 400 and "from 1 to 100" in response.content.decode()
    assert not RetentionRule.objects.exists()


@pytest.mark.django_db
def test_the_chair_adds_the_22_standard_factors_once(client):
    partnership = PartnershipFactory(slug="alpha")
    url = reverse("channel:vaffactor_standard", kwargs={"partnership": "alpha"})
    client.force_login(user_with(Role.POLICE_PREVENT, partnership))
    assert client.post(url).status_code == 403
    client.force_login(user_with(Role.CHANNEL_CHAIR, partnership))
    client.post(url)
    client.post(url)
    assert VafFactor.objects.count() == 22 == sum(len(names) for names in STANDARD_FACTORS.values())
    assert set(VafFactor.objects.values_list("dimension", flat=True)) == {"engagement", "intent", "capability"}

