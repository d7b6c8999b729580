"""manage.py bench_statistics [--referrals 70000] [--runs 30]: time the statistics page at scale.

Puts N invented referrals over ten financial years into a throwaway partnership, then renders the
page (view, template, queries) as a coordinator (small numbers hidden) and as the Channel chair
(in full), warm and cold (the disclosure cache emptied before every render, as in a fresh
worker), and prints the median and 95th percentile server time and the queries per page.
The partnership and its records are removed at the end.
"""
import datetime as dt
import random
import statistics
import time

from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from prevent_hub.core.progress import ProgressBar
from prevent_hub.core.roles import Role

SLUG = "bench-statistics"


class Command(BaseCommand):
    help = "Time the statistics page for one partnership with many referrals."

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=70_000)
        parser.add_argument("--runs", type=int, default=30)

    def handle(self, *args, **options):
        from prevent_hub.accounts.models import Membership, User
        from prevent_hub.directory.models import Partnership
        from prevent_hub.insights.models import Referral
        from prevent_hub.insights.views import StatisticsView

        Partnership.objects.filter(slug=SLUG).delete()
        partnership = Partnership.objects.create(slug=SLUG, name="Benchmark partnership")
        users = {}
        for role in (Role.COORDINATOR, Role.CHANNEL_CHAIR):
            user = User.objects.create(email=f"{role}@{SLUG}.invalid", full_name=f"Bench {role}")
            Membership.objects.create(user=user, partnership=partnership, role=role)
            users[role] = user
        try:
            self._load(partnership, options["referrals"], Referral)
            factory = RequestFactory()
            from prevent_hub.insights.disclosure import protect

            for (role, user), cold in [(item, cold) for item in users.items() for cold in (False, True)]:
                times, queries = [], set()
                for run in range(options["runs"] + 1):
                    if cold:  # a fresh worker process: nothing protected yet
                        protect.cache_clear()
                    request = factory.get(f"/p/{SLUG}/statistics/", {"year": "2024"})
                    request.user = user
                    request.session = SessionStore()
                    request._messages = FallbackStorage(request)
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        response = StatisticsView.as_view()(request, partnership=SLUG)
                        elapsed = time.perf_counter() - start
                    assert response.status_code == 200
                    if run:  # the first run warms the caches
                        times.append(elapsed * 1000)
                        queries.add(len(captured))
                times.sort()
                p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
                self.stdout.write(f"{role:>14} ({'cold' if cold else 'warm'}): {options['referrals']:,} referrals, "
                                  f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
                                  f"queries per page {sorted(queries)} ({connection.vendor})")
        finally:
            Referral.objects.filter(partnership=partnership).delete()
            Membership.objects.filter(partnership=partnership).delete()
            for user in users.values():
                user.delete()
            partnership.delete()

    def _load(self, partnership, count, Referral):
        rnd = random.Random(15)
        sectors = ["education"] * 39 + ["police"] * 29 + ["local_authority"] * 10 + ["health"] * 8 + \
            ["community"] * 6 + ["prisons"] * 3 + ["probation"] * 2 + ["other"] * 3
        concerns = ["islamist"] * 13 + ["extreme_right_wing"] * 19 + ["conflicted"] * 18 + ["no_ideology"] * 36 + \
            ["other"] * 10 + ["incel"] * 2 + ["school_massacre"] * 2
        with ProgressBar(count, "Referrals", stream=self.stderr) as bar, transaction.atomic():
            batch = []
            for n in range(count):
                year = 2015 + n % 10
                day = dt.date(year, 4, 1) + dt.timedelta(days=rnd.randrange(365))
                age = rnd.randint(9, 70)
                band = "10_or_under" if age <= 10 else "11_15" if age <= 15 else "16_17" if age <= 17 else "18_20" \
                    if age <= 20 else "21_30" if age <= 30 else "31_40" if age <= 40 else "41_50"
                batch.append(Referral(partnership=partnership, reference=f"B{n:07d}", referral_date=day,
                                      financial_year=year, sector=rnd.choice(sectors), age=age, age_band=band,
                                      gender=rnd.choice(["male"] * 9 + ["female"]), concern=rnd.choice(concerns),
                                      district=f"District {rnd.randint(1, 12)}",
                                      stage=rnd.choice(["no_further_action"] * 5 + ["signposted"] * 3
                                                       + ["discussed_at_panel", "adopted"])))
                if len(batch) == 5000:
                    Referral.objects.bulk_create(batch)
                    bar.advance(len(batch))
                    batch = []
            Referral.objects.bulk_create(batch)
            bar.advance(len(batch))
