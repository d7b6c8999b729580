"""SEC-01: every URL is classified, and nothing but the public list answers an anonymous visitor."""
import importlib
import pkgutil

import pytest
from django.urls import reverse

import prevent_hub
from prevent_hub.core.testing import coverage
from prevent_hub.core.testing.factories import OrganisationFactory, PartnershipFactory

SAMPLE_KWARGS = {"partnership": "alpha", "pk": 1, "operation": "disable", "key": "x-y", "uidb36": "1"}


def _import_all_test_modules():
    """Import every test module so each role matrix has registered its URL names."""
    for module in pkgutil.walk_packages(prevent_hub.__path__, "prevent_hub."):
        if ".tests." in module.name and module.name.rsplit(".", 1)[-1].startswith("test_"):
            importlib.import_module(module.name)


def test_every_url_is_public_self_service_or_in_a_role_matrix():
    _import_all_test_modules()
    classified = coverage.PUBLIC_URL_NAMES | coverage.SELF_SERVICE_URL_NAMES | coverage.MATRIX_URL_NAMES
    unclassified = sorted(name for name, _ in coverage.all_url_patterns() if name not in classified)
    assert unclassified == [], f"URLs in no role matrix and not on the public list: {unclassified}"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_everywhere_but_public_pages(client):
    partnership = PartnershipFactory(slug="alpha")
    OrganisationFactory(partnership=partnership)
    checked = 0
    for name, kwarg_names in coverage.all_url_patterns():
        if name in coverage.PUBLIC_URL_NAMES:
            continue
        kwargs = {key: SAMPLE_KWARGS.get(key, "1") for key in kwarg_names}
        url = reverse(name, kwargs=kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, method, response.status_code)
            assert response["Location"].startswith(reverse("account_login")), (name, method)
            checked += 1
    assert checked > 40
