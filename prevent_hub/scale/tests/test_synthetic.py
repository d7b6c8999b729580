"""The synthetic data generator: the shape it promises, determinism, an intact audit chain, valid categories,
and pages whose query counts do not grow with the data (issue 10)."""
import datetime as dt
import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.urls import reverse

from prevent_hub.accounts.models import User
from prevent_hub.audit.models import AccessLog
from prevent_hub.audit.services import log_access, verify_chain
from prevent_hub.channel.models import Case
from prevent_hub.core.roles import Role
from prevent_hub.core.testing.queries import computed_and_cached
from prevent_hub.directory.models import Organisation, Partnership, Person
from prevent_hub.governance.models import Meeting
from prevent_hub.insights.categories import dimension
from prevent_hub.insights.models import Referral
from prevent_hub.plans.models import Action, PlanVersion, ProgressUpdate
from prevent_hub.scale import synthetic
from prevent_hub.training.models import HeadCount, LmsCompletion

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)
SMALL = synthetic.Scale(partnerships=2, referrals=90, access_log_rows=400, national_view=True, organisations=12,
                        people=20, actions_per_version=6, update_quarters=6, activity_years=2, training_per_year=600,
                        cases=5)
LARGE = synthetic.Scale(partnerships=1, referrals=400, access_log_rows=50, organisations=30, people=60,
                        actions_per_version=30, update_quarters=12, activity_years=3, training_per_year=1500, cases=35)


def generate(scale=SMALL, seed=7):
    return synthetic.generate(scale, seed=seed, as_of=AS_OF, stream=io.StringIO())


def fingerprint() -> tuple:
    """The generated content, without database ids or insert times."""
    return (
        list(Organisation.objects.order_by("partnership__slug", "name").values_list("name", "sector")),
        list(Person.objects.order_by("partnership__slug", "email").values_list("name", "email")),
        list(Action.objects.order_by("partnership__slug", "plan_version__label", "sort_key")
             .values_list("ref", "text", "tags")),
        list(ProgressUpdate.objects.order_by("partnership__slug", "action__plan_version__label",
                                             "action__sort_key", "period_start").values_list("status", "rag")),
        list(Referral.objects.order_by("reference").values_list("reference", "referral_date", "sector", "age_band",
                                                                "gender", "concern", "stage")),
        list(Case.objects.order_by("reference").values_list("reference", "log_ref", "stage", "district")),
        list(AccessLog.objects.filter(target_type="channel.case").order_by("seq")
             .values_list("target_id", "purpose", "timestamp")),
    )


def test_every_partnership_has_the_promised_shape():
    counts = generate()
    partnerships = Partnership.objects.filter(slug__startswith=synthetic.SLUG_PREFIX)
    assert partnerships.count() == 2
    for partnership in partnerships:
        versions = PlanVersion.objects.filter(partnership=partnership)
        assert versions.count() == 3
        assert set(versions.annotate(n=Count("actions")).values_list("n", flat=True)) == {6}
        # Six quarters of history split over three versions: every action reported on each of its two quarters.
        assert ProgressUpdate.objects.filter(partnership=partnership).count() == 3 * 6 * 2
        assert Organisation.objects.filter(partnership=partnership).count() == 12
        assert Person.objects.filter(partnership=partnership).count() == 20
        # 22 meetings a year over two years, the ones already held with attendance.
        meetings = Meeting.objects.filter(partnership=partnership)
        assert meetings.count() == 44
        assert not meetings.filter(status="held", starts_at__date__gte=AS_OF).exists()
        assert not meetings.filter(status="held").annotate(n=Count("attendance")).filter(n=0).exists()
        # 600 training attendances a year: last year in full, this year so far (April to 20 November).
        attended = LmsCompletion.objects.filter(partnership=partnership).count() + \
            HeadCount.objects.filter(partnership=partnership).aggregate(n=Sum("count"))["n"]
        this_year = 600 * (AS_OF - dt.date(2026, 4, 1)).days // 365
        assert 600 + this_year - 2 * synthetic.PEOPLE_PER_SESSION <= attended <= 600 + this_year
        assert Case.objects.filter(partnership=partnership).count() == 5
        assert User.objects.filter(memberships__partnership=partnership).count() == len(synthetic.ROLES)
    assert Referral.objects.filter(partnership__slug__startswith=synthetic.SLUG_PREFIX).count() == 90
    assert Referral.objects.filter(partnership__slug=synthetic.NATIONAL_SLUG).count() == 90
    assert counts["access log rows"] == 400
    assert AccessLog.objects.filter(target_type="channel.case").count() == 400


def test_referral_codes_belong_to_the_scheme_of_their_year_and_dates_to_their_year():
    generate()
    schemes = {name: dimension(name) for name in ("sector", "age", "gender", "concern", "stage")}
    for row in Referral.objects.values("financial_year", "referral_date", "sector", "age_band", "gender", "concern",
                                       "stage"):
        year = row["financial_year"]
        assert dt.date(year, 4, 1) <= row["referral_date"] <= min(dt.date(year + 1, 3, 31), AS_OF)
        for name, field in (("sector", "sector"), ("age", "age_band"), ("gender", "gender"), ("concern", "concern"),
                            ("stage", "stage")):
            assert schemes[name].scheme_for(year).get(row[field]) is not None, (name, year, row[field])


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    runs = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            generate(seed=seed)
            runs.append(fingerprint())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_the_access_log_continues_the_chain_and_verifies():
    log_access(actor=None, event="export", target_type="test", target_id="before")
    generate()
    log_access(actor=None, event="export", target_type="test", target_id="after")
    result = verify_chain(AccessLog)
    assert result.ok, result
    assert result.rows_checked == AccessLog.objects.count()
    seqs = list(AccessLog.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_row_forged_into_the_history_is_caught_by_verification():
    generate()
    row = AccessLog.objects.filter(target_type="channel.case").order_by("-seq").values().first()
    with connection.cursor() as cursor:  # a forger appending a row with a made-up hash, past the models
        cursor.execute(f"INSERT INTO {AccessLog._meta.db_table} (seq, timestamp, user_repr, roles, request_id, event, "
                       "target_type, target_id, target_repr, sections, purpose, recipient, prev_hash, hash) "
                       "VALUES (%s, %s, '', '', '', 'consultation', '', '', '', '[]', '', '', %s, %s)",
                       [row["seq"] + 1, row["timestamp"], row["hash"], "f" * 64])
    result = verify_chain(AccessLog)
    assert not result.ok and result.first_bad_seq == row["seq"] + 1 and result.problem == "hash mismatch"


def test_history_with_a_naive_timestamp_is_refused():
    entry = {"timestamp": dt.datetime(2024, 1, 1, 12), "user_id": None, "user_repr": "", "roles": "",
             "request_id": "", "partnership_id": None, "event": "consultation", "target_type": "", "target_id": "",
             "target_repr": "", "target_version": None, "sections": [], "purpose": "", "recipient": ""}
    before = AccessLog.objects.count()
    with pytest.raises(ValueError, match="timezone-aware"), transaction.atomic():
        AccessLog.append_history([entry])
    assert AccessLog.objects.count() == before


def test_generate_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="refuses to run with production settings"):
        call_command("generate_demo", "--scale", "county", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Partnership.objects.filter(slug__startswith=synthetic.SLUG_PREFIX).exists()


def test_a_second_run_is_refused_with_a_clear_message():
    call_command("generate_demo", "--scale", "county", "--partnerships", "1", "--as-of", "2026-11-20",
                 stdout=io.StringIO(), stderr=io.StringIO())
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match="already holds synthetic partnerships"):
        call_command("generate_demo", "--scale", "county", stdout=io.StringIO(), stderr=io.StringIO())
    assert Organisation.objects.count() == before


def test_the_command_reports_what_it_made_with_a_progress_bar():
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_demo", "--scale", "region", "--partnerships", "2", "--as-of", "2026-11-20", stdout=out,
                 stderr=err)
    assert Partnership.objects.filter(slug__startswith=synthetic.SLUG_PREFIX).count() == 2
    # Region scale's 8,000 referrals and 1,140,000 log rows over 20 partnerships, scaled to 2.
    assert Referral.objects.count() == 800
    assert AccessLog.objects.filter(target_type="channel.case").count() == 114_000
    assert "Partnerships: 2/2 (100%)" in err.getvalue()
    assert "114,000 access log rows" in out.getvalue()


def test_synthetic_text_never_names_a_religion_or_ethnicity():
    """The seed insists Prevent work must not stereotype: the generator's own words stay neutral."""
    words = " ".join([*synthetic.FIRST_NAMES, *synthetic.LAST_NAMES, *synthetic.THEMES, *synthetic.ACTION_OBJECTS,
                      *synthetic.ACCESS_PURPOSES, *(pattern for _, _, pattern in synthetic.ORGANISATION_MIX)]).lower()
    for term in ("muslim", "islam", "christian", "jewish", "sikh", "hindu", "mosque", "church", "asian", "white",
                 "black", "polish", "irish"):
        assert term not in words


# Pages benchmarked by `manage.py bench`: their query counts must not depend on how much data there is.
def _pages(partnership):
    version = PlanVersion.objects.filter(partnership=partnership).order_by("-year_start").first()
    action = version.actions.annotate(n=Count("updates")).order_by("-n", "sort_key").first()
    slug = {"partnership": partnership.slug}
    return {
        "overview": (Role.COORDINATOR, reverse("directory:partnership_detail", kwargs=slug)),
        "dashboard": (Role.COORDINATOR, reverse("plans:planversion_dashboard", kwargs={**slug, "pk": version.pk})),
        "filtered actions": (Role.COORDINATOR, reverse("plans:action_list", kwargs=slug) + "?tag=OFOF&theme=2"),
        "action detail": (Role.COORDINATOR, reverse("plans:action_detail", kwargs={**slug, "pk": action.pk})),
        "meetings": (Role.COORDINATOR, reverse("governance:meeting_list", kwargs=slug)),
        "training summary": (Role.COORDINATOR, reverse("training:coverage", kwargs=slug)),
        "case list": (Role.CHANNEL_CHAIR, reverse("channel:case_list", kwargs=slug)),
        "statistics": (Role.COORDINATOR, reverse("insights:statistics", kwargs=slug)),
    }


def _query_counts(client, scale) -> dict:
    counts = {}
    with transaction.atomic():
        generate(scale)
        partnership = Partnership.objects.filter(slug__startswith=synthetic.SLUG_PREFIX).first()
        for name, (role, url) in _pages(partnership).items():
            user = User.objects.get(memberships__partnership=partnership, memberships__role=role)
            if not Authenticator.objects.filter(user=user).exists():  # every account needs a second factor
                TOTP.activate(user, generate_totp_secret())
            client.force_login(user)
            assert client.get(url).status_code == 200, name  # the session's first request also writes it
            counts[name] = computed_and_cached(client, url)
        transaction.set_rollback(True)
    return counts


def test_benchmarked_pages_read_the_same_number_of_times_whatever_the_size(client):
    small, large = _query_counts(client, SMALL), _query_counts(client, LARGE)
    assert small == large
