"""Referral records generated with the national mix (``scale.synthetic``'s weights, close to the Home Office's
2023/24 release), each category's count in exact proportion, for the disclosure-control acceptance tests."""
import datetime as dt
import random

from prevent_hub.insights import categories
from prevent_hub.insights.models import Referral
from prevent_hub.scale.synthetic import (
    AGE_WEIGHTS,
    CONCERN_WEIGHTS,
    GENDER_WEIGHTS,
    SECTOR_WEIGHTS,
    STAGE_WEIGHTS,
    _shares_of,
)

DISTRICTS = ["North Warwickshire", "Nuneaton and Bedworth", "Rugby", "Stratford-on-Avon", "Warwick"]


def exactly(weights: dict, count: int, rnd) -> list:
    """``count`` values, each as often as its weight says (rounded), in a random order."""
    keys = list(weights)
    values = [key for key, n in zip(keys, _shares_of(list(weights.values()), count), strict=True) for _ in range(n)]
    rnd.shuffle(values)
    return values


def national_mix(partnership, count: int, year: int, *, seed: int = 1, prefix: str = "G") -> list[Referral]:
    """``count`` referrals in the financial year ``year`` with every category used but "Not known"."""
    rnd = random.Random(seed)
    ages = [rnd.randint(*band) for band in exactly({k: v for k, v in AGE_WEIGHTS.items() if k}, count, rnd)]
    concerns = exactly({k: v for k, v in CONCERN_WEIGHTS.items() if k != "not_known"}, count, rnd)
    columns = zip(exactly(SECTOR_WEIGHTS, count, rnd), ages, exactly(GENDER_WEIGHTS, count, rnd), concerns,
                  exactly(STAGE_WEIGHTS, count, rnd), exactly(dict.fromkeys(DISTRICTS, 1), count, rnd), strict=True)
    age_scheme = categories.dimension("age").scheme_for(year)
    rows = []
    for n, (sector, age, gender, concern, stage, district) in enumerate(columns):
        day = dt.date(year, 4, 1) + dt.timedelta(days=n * 365 // count)
        rows.append(Referral(partnership=partnership, reference=f"{prefix}{n:05d}", referral_date=day,
                             financial_year=year, sector=sector, age=age, age_band=age_scheme.band_for_age(age).code,
                             gender=gender, concern=categories.dimension("concern").fit(concern, year), district=district,
                             stage=stage))
    Referral.objects.bulk_create(rows)
    return rows
