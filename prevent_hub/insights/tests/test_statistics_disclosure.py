"""Disclosure control on whole reports (issue 12, acceptance 3): a national-sized year is shown whole and exact;
a partnership-sized year hides what protects its small counts and no more, and no count from 1 to 4 can be read
or worked out from every table of the year taken together (the audit in ``audit.py``, written independently of
``disclosure``); zero is shown as 0 unless STATS_SUPPRESS_ZEROS says otherwise."""
import datetime as dt
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command

from prevent_hub.core.testing.factories import PartnershipFactory
from prevent_hub.insights import categories
from prevent_hub.insights.models import MonthlyCount, Referral

from .audit import NEVER_SHOWN, assert_protected, simple_lines
from .generated import DISTRICTS, national_mix

pytestmark = pytest.mark.django_db

FIELDS = {"sector": "sector", "age_band": "age_band", "gender": "gender", "concern": "concern"}
DIMENSION = {"sector": "sector", "age_band": "age", "gender": "gender", "concern": "concern"}
BY_HAND = "Counted by month only (no breakdown)"


def report(year, *extra, slug="alpha"):
    out = io.StringIO()
    call_command("referral_stats", "--partnership", slug, "--year", str(year), "--json", *extra, stdout=out)
    return {table["key"]: table for table in json.loads(out.getvalue())["tables"]}


def truth(rows, year, hand=()):
    """Every table's true numbers, counted in plain Python, by table key and row label."""
    hand = [c for c in hand if categories.financial_year(c.month) == year]
    by_hand = sum(c.referrals for c in hand)
    rows = [r for r in rows if r.financial_year == year]
    total = len(rows) + by_hand
    result = {}
    for key, field in FIELDS.items():
        dim = categories.dimension(DIMENSION[key])
        counts = Counter(getattr(r, field) for r in rows)
        table = {dim.category_label(c.code, year): counts[c.code] for c in dim.scheme_for(year).categories}
        for basis, label in dim.basis:
            members = [c.code for c in dim.scheme_for(year).categories if c.basis == basis]
            if members and key in ("age_band", "concern"):
                table[f"All: {label}"] = sum(counts[m] for m in members)
        result[key] = table
    result["district"] = {**{d: sum(1 for r in rows if r.district == d) for d in DISTRICTS},
                          "Not recorded": sum(1 for r in rows if not r.district)}
    for table in result.values():
        table["Total"] = total
        if by_hand:
            table[BY_HAND] = by_hand
    months = Counter(r.referral_date.month for r in rows) + Counter({c.month.month: c.referrals for c in hand})
    order = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    grid = [[months[m] for m in order[3 * q:3 * q + 3]] for q in range(4)]
    grid = [row + [sum(row)] for row in grid]
    result["months"] = grid + [[sum(row[j] for row in grid) for j in range(4)]]
    stages = Counter(r.stage for r in rows)
    discussed = stages["discussed_at_panel"] + stages["adopted"] + sum(c.discussed_at_panel for c in hand)
    adopted = stages["adopted"] + sum(c.adopted for c in hand)
    result["funnel"] = {"Referrals": total, "Discussed at a Channel panel": discussed,
                        "Adopted as a Channel case": adopted, "not discussed": total - discussed,
                        "discussed, not adopted": discussed - adopted}
    return result


def audited(shown, true, year):
    """The year's tables as a reader has them, with the equations a reader can write, for ``assert_protected``."""
    tables = []
    grid = shown[f"months_{year}"]
    tables.append({"values": true["months"], "display": grid["cells"], "lines": simple_lines(5, 4),
                   "shared": {(4, 3): "total"}, "notes": grid["notes"]})
    funnel = shown["funnel"]
    labels = funnel["rows"]
    values = [[true["funnel"][label]] for label in labels] + [[true["funnel"]["not discussed"]],
                                                              [true["funnel"]["discussed, not adopted"]]]
    at = {label: (i, 0) for i, label in enumerate(labels)}
    tables.append({"values": values, "display": funnel["cells"] + [[NEVER_SHOWN], [NEVER_SHOWN]],
                   "lines": [([(3, 0), (4, 0), at["Adopted as a Channel case"]], at["Referrals"]),
                             ([(4, 0), at["Adopted as a Channel case"]], at["Discussed at a Channel panel"])],
                   "shared": {at["Referrals"]: "total"}, "notes": funnel["notes"]})
    for key in ("sector", "gender", "age_band", "concern", "district"):
        table = shown[key]
        labels = table["rows"]
        at = {label: (i, 0) for i, label in enumerate(labels)}
        parts = [at[label] for label in labels if not label.startswith("All: ") and label != "Total"]
        lines = [(parts, at["Total"])]
        if key in DIMENSION and key in ("age_band", "concern"):
            dim = categories.dimension(DIMENSION[key])
            for basis, basis_label in dim.basis:
                if f"All: {basis_label}" in at:
                    members = [at[dim.category_label(c.code, year)] for c in dim.scheme_for(year).categories
                               if c.basis == basis]
                    lines.append((members, at[f"All: {basis_label}"]))
        shared = {at["Total"]: "total"}
        if BY_HAND in at:
            shared[at[BY_HAND]] = "by_hand"
        tables.append({"values": [[true[key][label]] for label in labels], "display": table["cells"], "lines": lines,
                       "shared": shared, "notes": table["notes"]})
    return tables


def hidden(table):
    return [label for label, row in zip(table["rows"], table["cells"], strict=True) if row[0] in ("<5", "[c]")]


def test_a_national_sized_year_is_shown_whole_and_exact():
    """About 7,000 referrals with every category used but "Not known": every count is shown, exactly."""
    partnership = PartnershipFactory(slug="alpha")
    rows = national_mix(partnership, 7000, 2024)
    shown, full = report(2024), report(2024, "--unsuppressed")
    true = truth(rows, 2024)
    assert shown == full  # nothing hidden from anyone
    for key in ("sector", "gender", "age_band", "concern", "district"):
        for label, row in zip(shown[key]["rows"], shown[key]["cells"], strict=True):
            assert row == [f"{true[key][label]:,}"], (key, label)
    assert [[int(c.replace(",", "")) for c in row] for row in shown["months_2024"]["cells"]] == true["months"]
    concern = dict(zip(shown["concern"]["rows"], shown["concern"]["cells"], strict=True))
    assert concern["Not yet known"] == ["0"]  # zero gives nobody away
    assert concern["Islamist"] == [f"{true['concern']['Islamist']:,}"] and concern["Extreme right-wing"] == [
        f"{true['concern']['Extreme right-wing']:,}"]
    assert_protected(audited(shown, true, 2024))


def test_a_partnership_sized_year_hides_only_what_protects_a_small_count():
    """160 referrals in the same mix: the small categories are "<5", the fewest and smallest others "[c]";
    the ideology split is shown; nothing from 1 to 4 can be worked out from all the tables together."""
    partnership = PartnershipFactory(slug="alpha")
    rows = national_mix(partnership, 160, 2024)
    shown, true = report(2024), truth(rows, 2024)
    assert_protected(audited(shown, true, 2024))
    small = {key: sorted(label for label, n in true[key].items() if 0 < n < 5 and not label.startswith("All: "))
             for key in ("sector", "gender", "age_band", "concern", "district")}
    # Sector: five small categories protect each other (17 between them); nothing else is hidden.
    assert sorted(hidden(shown["sector"])) == small["sector"] == ["Community", "Friends and family", "Other",
                                                                 "Prisons", "Probation"]
    # Gender: "Other or not known" (1 to 4) needs one more: the smaller of the other two.
    assert hidden(shown["gender"]) == ["Female", "Other or not known"]
    # Age: "Over 60" needs one more in its group: "51 to 60", the only other.
    assert hidden(shown["age_band"]) == ["51 to 60", "Over 60"]
    assert dict(zip(shown["age_band"]["rows"], shown["age_band"]["cells"], strict=True))["All: Over 50"] == ["9"]
    # Type of concern: the two small categories protect each other; the ideology split is shown.
    assert hidden(shown["concern"]) == ["School massacre", "Incel"]
    concern = dict(zip(shown["concern"]["rows"], shown["concern"]["cells"], strict=True))
    assert concern["Islamist"] == [str(true["concern"]["Islamist"])]
    assert concern["Extreme right-wing"] == [str(true["concern"]["Extreme right-wing"])]
    assert not hidden(shown["district"]) and not hidden(shown["funnel"])


def test_zeros_count_as_small_when_the_setting_says_so(settings):
    settings.STATS_SUPPRESS_ZEROS = True
    partnership = PartnershipFactory(slug="alpha")
    rows = national_mix(partnership, 160, 2024)
    shown, true = report(2024), truth(rows, 2024)
    concern = dict(zip(shown["concern"]["rows"], shown["concern"]["cells"], strict=True))
    assert concern["Not yet known"] == ["<5"] and concern["All: Not known"] == ["<5"]
    assert_protected(audited(shown, true, 2024), zeros_small=True)
    assert "<5: fewer than 5." in shown["concern"]["notes"]


def test_counts_by_month_only_are_one_number_in_every_breakdown():
    """Months counted by hand are a row of every breakdown: linked, they are hidden alike in all, and the
    year's tables taken together give none of them away."""
    partnership = PartnershipFactory(slug="alpha")
    rows = national_mix(partnership, 160, 2024)
    hand = [MonthlyCount.objects.create(partnership=partnership, month=dt.date(2025, 3, 1), referrals=3,
                                        discussed_at_panel=1)]
    Referral.objects.filter(referral_date__month=3).delete()  # a month counted by hand has no records
    rows = list(Referral.objects.all())
    shown, true = report(2024), truth(rows, 2024, hand)
    for key in ("sector", "gender", "age_band", "concern", "district"):
        assert dict(zip(shown[key]["rows"], shown[key]["cells"], strict=True))[BY_HAND] == ["<5"], key
    assert_protected(audited(shown, true, 2024))


def test_a_small_difference_in_the_funnel_is_protected():
    """50 discussed at a panel and 47 adopted would say 3 were discussed and not adopted."""
    partnership = PartnershipFactory(slug="alpha")
    rows = national_mix(partnership, 200, 2024)
    Referral.objects.filter(pk__in=[r.pk for r in rows[:50]]).update(stage="adopted")
    Referral.objects.filter(pk__in=[r.pk for r in rows[50:53]]).update(stage="discussed_at_panel")
    Referral.objects.filter(pk__in=[r.pk for r in rows[53:]], stage__in=["adopted", "discussed_at_panel"]).update(
        stage="signposted")
    rows = list(Referral.objects.all())
    shown, true = report(2024), truth(rows, 2024)
    assert true["funnel"]["discussed, not adopted"] == 3
    assert "[c]" in [row[0] for row in shown["funnel"]["cells"]]
    assert shown["funnel"]["cells"][0] == ["200"]
    assert_protected(audited(shown, true, 2024))


def test_an_earlier_year_reads_the_same_on_every_page():
    """The series and the year before on this year's page show an earlier year exactly as its own page does,
    though the earlier year's tables are protected together with its counts by month."""
    partnership = PartnershipFactory(slug="alpha")
    national_mix(partnership, 90, 2023, seed=3, prefix="A")
    national_mix(partnership, 160, 2024, seed=4, prefix="B")
    MonthlyCount.objects.create(partnership=partnership, month=dt.date(2024, 3, 1), referrals=4)
    Referral.objects.filter(financial_year=2023, referral_date__month=3).delete()
    earlier, later = report(2023), report(2024)
    assert later["months_2023"]["cells"] == earlier["months_2023"]["cells"]
    for key, series in (("concern", "series_concern"), ("age_band", "series_age_band")):
        own = dict(zip(earlier[key]["rows"], earlier[key]["cells"], strict=True))
        row = dict(zip(later[series]["rows"], later[series]["cells"], strict=True))["2023/24"]
        assert row == [own[f"All: {label}"][0] if f"All: {label}" in own else "0"
                       for label in later[series]["columns"][:-1]] + own["Total"]
