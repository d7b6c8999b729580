"""Role × action matrix tests that every model's views get by subclassing.

A model's test module only supplies data (``make``, ``create_data``) and the
EXPECTED roles per action, written out by hand so the tests check the policy
in core.roles rather than repeat it. Each subclass also registers its URL names
with the URL-coverage test.
"""
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from prevent_hub.core.roles import Role

from . import coverage
from .factories import PartnershipFactory, UserFactory

CANARY = "CANARY-7f3c9e1d"
ALL_ROLES = list(Role)
# Every app of ours: a refused request must leave all of their tables as they were.
AUDITED_APPS = tuple(
    config.label for config in apps.get_app_configs() if config.name.startswith("prevent_hub.")
)


def row_counts() -> dict[str, int]:
    """Rows per table of the apps whose writes we guard: equal before/after means nothing was written."""
    return {
        model._meta.label: model._base_manager.count()
        for app in AUDITED_APPS
        for model in apps.get_app_config(app).get_models()
    }


def change_log_rows(obj, action=None):
    from prevent_hub.audit.models import ChangeLog

    # Records logged under a pseudonym (``audit_name``, audit.services) are found by it, as the log names them.
    object_id = getattr(obj, "audit_name", None) or str(obj.pk)
    rows = ChangeLog.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=object_id)
    return rows.filter(action=action) if action else rows


def user_with(role, partnership, **kwargs):
    return UserFactory(roles=[(partnership, role)], **kwargs)


@dataclass
class World:
    a: object  # the user's partnership
    b: object  # another partnership, holding the canary
    obj: object  # an object in A
    other: object  # an object in B carrying the canary


class ModelViewMatrix:
    model = None
    actions = ("list", "detail", "add", "edit", "delete", "history", "import", "export")
    expected: dict[str, set] = {}
    canary_field = "name"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None:
            coverage.register(*(cls.url_name(action) for action in cls.actions))
            # A model without some standard page (no list, no edit...) gets no test for it.
            for action in set(ModelViewMatrix.actions) - set(cls.actions):
                setattr(cls, f"test_{action}", None)
            if "edit" not in cls.actions:
                cls.test_stale_edit_is_refused_with_both_versions_shown = None

    @classmethod
    def url_name(cls, action):
        return f"{cls.model._meta.app_label}:{cls.model._meta.model_name}_{action}"

    # Supplied by subclasses ------------------------------------------------
    def make(self, partnership, **kwargs):
        raise NotImplementedError

    def create_data(self, partnership) -> dict:
        raise NotImplementedError

    def change_data(self, obj) -> dict:
        raise NotImplementedError

    def conflicting_change(self, data: dict) -> str:
        """Change ``data`` as a second editor would; return text that shows their value."""
        data[self.canary_field] = "A different value typed by the second editor"
        return data[self.canary_field]

    # Helpers ---------------------------------------------------------------
    def url(self, action, partnership, obj=None):
        kwargs = {"partnership": partnership.slug}
        if obj is not None:
            kwargs["pk"] = obj.pk
        return reverse(self.url_name(action), kwargs=kwargs)

    @pytest.fixture
    def world(self, db):
        a = PartnershipFactory(slug="alpha", name="Alpha Partnership")
        b = PartnershipFactory(slug="bravo", name="Bravo Partnership")
        return World(a=a, b=b, obj=self.make(a), other=self.make(b, **{self.canary_field: f"Secret {CANARY}"}))

    def signed_in(self, client, role, partnership):
        user = user_with(role, partnership)
        client.force_login(user)
        return user

    # The matrix ------------------------------------------------------------
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_list(self, client, world, role):
        self.signed_in(client, role, world.a)
        response = client.get(self.url("list", world.a))
        if role in self.expected["view"]:
            assert response.status_code == 200
            assert CANARY not in response.content.decode()
        else:
            assert response.status_code == 403

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_detail(self, client, world, role):
        self.signed_in(client, role, world.a)
        response = client.get(self.url("detail", world.a, world.obj))
        assert response.status_code == (200 if role in self.expected["view"] else 404)

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_add(self, client, world, role):
        self.signed_in(client, role, world.a)
        data = self.create_data(world.a)  # may create related rows, so before counting
        before_objects = self.model._base_manager.count()
        before = row_counts()
        assert client.get(self.url("add", world.a)).status_code == (200 if role in self.expected["add"] else 403)
        response = client.post(self.url("add", world.a), data)
        if role in self.expected["add"]:
            assert response.status_code == 302, getattr(response, "context", {}) and response.context.get("form").errors
            created = self.model._base_manager.order_by("-pk").first()
            assert self.model._base_manager.count() == before_objects + 1
            assert created.partnership == world.a
            assert change_log_rows(created, "create").count() == 1
        else:
            assert response.status_code == 403
            assert row_counts() == before

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_edit(self, client, world, role):
        self.signed_in(client, role, world.a)
        before = row_counts()
        version = world.obj.version
        response = client.post(self.url("edit", world.a, world.obj), self.change_data(world.obj))
        world.obj.refresh_from_db()
        if role in self.expected["change"]:
            assert response.status_code == 302
            assert world.obj.version == version + 1
            assert change_log_rows(world.obj, "update").count() == 1
        else:
            assert response.status_code == (403 if role in self.expected["view"] else 404)
            assert world.obj.version == version
            assert row_counts() == before

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_delete(self, client, world, role):
        self.signed_in(client, role, world.a)
        before = row_counts()
        response = client.post(self.url("delete", world.a, world.obj))
        exists = self.model._base_manager.filter(pk=world.obj.pk).exists()
        if role in self.expected["delete"]:
            assert response.status_code == 302
            assert not exists
            assert change_log_rows(world.obj, "delete").count() == 1
        else:
            assert response.status_code == (403 if role in self.expected["view"] else 404)
            assert exists
            assert row_counts() == before

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_history(self, client, world, role):
        self.signed_in(client, role, world.a)
        response = client.get(self.url("history", world.a, world.obj))
        if role in self.expected["history"]:
            assert response.status_code == 200
        else:
            assert response.status_code == (403 if role in self.expected["view"] else 404)

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_export(self, client, world, role):
        self.signed_in(client, role, world.a)
        response = client.get(self.url("export", world.a) + "?format=csv")
        if role in self.expected["export"]:
            assert response.status_code == 200
            assert response["Content-Disposition"].startswith("attachment;")
            assert CANARY not in response.content.decode("utf-8-sig")
        else:
            assert response.status_code == 403

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_import(self, client, world, role):
        self.signed_in(client, role, world.a)
        before = row_counts()
        assert client.get(self.url("import", world.a)).status_code == (200 if role in self.expected["import"] else 403)
        if role not in self.expected["import"]:
            response = client.post(self.url("import", world.a), {"confirm": "1", "token": "x"})
            assert response.status_code == 403
            assert row_counts() == before

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_other_partnerships_objects_answer_404_without_leaking(self, client, world, role):
        """A member of A asking for B's object — by A's address or B's — learns nothing about it."""
        self.signed_in(client, role, world.a)
        before = row_counts()
        for action in [a for a in ("detail", "edit", "delete", "history") if a in self.actions]:
            for slug_partnership in (world.a, world.b):
                url = reverse(self.url_name(action), kwargs={"partnership": slug_partnership.slug, "pk": world.other.pk})
                for method in ("get", "post"):
                    response = getattr(client, method)(url, self.change_data(world.other) if method == "post" else None)
                    assert response.status_code == 404, (action, slug_partnership.slug, method)
                    assert CANARY.encode() not in response.content
        for action in [a for a in ("list", "add", "import", "export") if a in self.actions]:
            response = client.get(self.url(action, world.b))
            assert response.status_code == 404
            assert CANARY.encode() not in response.content
        assert row_counts() == before

    def test_stale_edit_is_refused_with_both_versions_shown(self, client, world):
        editor = next(iter(self.expected["change"]))
        self.signed_in(client, editor, world.a)
        first = self.change_data(world.obj)
        second = self.change_data(world.obj)
        # Both forms were loaded at the same version; the first save wins.
        assert client.post(self.url("edit", world.a, world.obj), first).status_code == 302
        world.obj.refresh_from_db()
        saved_version = world.obj.version
        updates = change_log_rows(world.obj, "update").count()
        marker = self.conflicting_change(second)
        response = client.post(self.url("edit", world.a, world.obj), second)
        assert response.status_code == 409
        assert marker in response.content.decode()
        world.obj.refresh_from_db()
        assert world.obj.version == saved_version
        assert change_log_rows(world.obj, "update").count() == updates
