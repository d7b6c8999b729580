"""core.links.record_url answers exactly what reverse() does, under any script prefix."""
import pytest
from django.urls import reverse, set_script_prefix

from prevent_hub.core.links import record_url

NAMES = ["plans:action_detail", "channel:case_detail", "governance:meeting_detail", "directory:organisation_detail",
         "training:trainingsession_detail", "insights:referral_detail", "reports:reportrun_detail"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("slug, pk", [("alpha", 1), ("north-county-2", 4_611_686), ("a_b", 99)])
def test_record_url_is_reverse(name, slug, pk):
    assert record_url(name, slug, pk) == reverse(name, kwargs={"partnership": slug, "pk": pk})


def test_the_script_prefix_is_respected():
    try:
        set_script_prefix("/hub/")
        assert record_url("plans:action_detail", "alpha", 7) == "/hub/p/alpha/actions/7/"
    finally:
        set_script_prefix("/")
    assert record_url("plans:action_detail", "alpha", 7) == "/p/alpha/actions/7/"


def test_an_id_must_be_a_number():
    with pytest.raises((TypeError, ValueError)):
        record_url("plans:action_detail", "alpha", "7/../../admin")


@pytest.mark.parametrize("name", ["plans:action_list", "channel:case_list", "insights:statistics", "audit:changelog_list"])
def test_partnership_url_is_reverse(name):
    from prevent_hub.core.links import partnership_url

    assert partnership_url(name, "alpha") == reverse(name, kwargs={"partnership": "alpha"})
    assert partnership_url(name, "beta") == reverse(name, kwargs={"partnership": "beta"})
