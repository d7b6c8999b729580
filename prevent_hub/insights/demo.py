"""Invented referral records for the demo partnership, so the statistics page has something to show.

Every category is drawn independently of every other (and of the district), so the demo never ties
a place, an age or a sector to a type of concern.
"""
import csv
import datetime as dt
import io
import random

from .importers import ReferralImporter
from .models import Referral

DISTRICTS = ["North Warwickshire", "Nuneaton and Bedworth", "Rugby", "Stratford-on-Avon", "Warwick"]
SECTORS = ["Education", "Police", "Local authority", "Health", "Community", "Friends and family", "Other"]
GENDERS = ["Female", "Male", "Other or not known"]
STAGES = ["No further action", "No further action", "Signposted to other services", "Signposted to other services",
          "Discussed at a Channel panel", "Adopted as a Channel case"]
CONCERNS = {2023: ["Islamist", "Extreme right-wing", "Conflicted", "Other",
                   "Vulnerability present but no ideology or counter-terrorism risk"],
            2024: ["Islamist", "Extreme right-wing", "Conflicted", "Other",
                   "Vulnerability present but no ideology or counter-terrorism risk"]}


def demo_csv(seed: int = 2017) -> bytes:
    rnd = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Reference", "Referral date", "Sector", "Age", "Gender", "Type of concern", "District",
                     "Stage reached"])
    number = 0
    for year, count in ((2023, 130), (2024, 150)):
        for _ in range(count):
            number += 1
            day = dt.date(year, 4, 1) + dt.timedelta(days=rnd.randrange(365))
            writer.writerow([f"DEMO-{number:04d}", day.isoformat(), rnd.choice(SECTORS), rnd.randint(9, 65),
                             rnd.choice(GENDERS), rnd.choice(CONCERNS[year]), rnd.choice(DISTRICTS), rnd.choice(STAGES)])
    return buffer.getvalue().encode()


def load_demo_referrals(partnership, *, actor=None) -> int:
    if Referral.objects.filter(partnership=partnership).exists():
        return 0
    importer = ReferralImporter()
    result = importer.check(demo_csv(), "demo-referrals.csv", partnership)
    if result.errors or result.problem:
        raise ValueError(f"The demo referrals do not import: {result.problem or result.errors[:3]}")
    return importer.apply(result, actor=actor, partnership=partnership, filename="demo-referrals.csv")["created"]
