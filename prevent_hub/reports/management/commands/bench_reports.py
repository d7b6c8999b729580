"""manage.py bench_reports: time the quarterly report for one partnership at national scale.

Builds a throwaway partnership the size issue 10 gives for one partnership on a national
deployment (a 40-action plan with ten years of quarterly updates, 60 organisations, 22 Strategy
Group meetings a year with attendance, 11,000 training attendances a year, 7,000 referrals a year
for ten years), then times the content, the Word file and the PDF. Everything is removed after.
"""
import datetime as dt
import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from prevent_hub.core.progress import ProgressBar
from prevent_hub.plans import schedule

SLUG = "bench-reports"


class Command(BaseCommand):
    help = "Time the quarterly report (content, Word, PDF) for one partnership at national scale."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, **options):
        from prevent_hub.directory.models import Partnership

        Partnership.objects.filter(slug=SLUG).delete()
        partnership = Partnership.objects.create(slug=SLUG, name="Benchmark partnership")
        try:
            version = self._load(partnership)
            from prevent_hub.reports import content, renderers

            as_of = timezone.localdate()  # everything below was entered just now, and is dated up to today
            timings = {"content": [], "docx": [], "pdf": []}
            for _ in range(options["runs"]):
                start = time.perf_counter()
                doc = content.quarterly(partnership, version, as_of)
                built = time.perf_counter()
                renderers.docx_bytes(doc)
                written = time.perf_counter()
                renderers.pdf_bytes(doc, partnership)
                printed = time.perf_counter()
                timings["content"].append(built - start)
                timings["docx"].append(written - built + (built - start))
                timings["pdf"].append(printed - written + (built - start))
            for name, values in timings.items():
                label = {"content": "content only", "docx": "quarterly .docx (content + Word)",
                         "pdf": "quarterly PDF (content + PDF)"}[name]
                self.stdout.write(f"{label:>34}: median {statistics.median(values):.2f} s, worst {max(values):.2f} s")
        finally:
            self._remove(partnership)

    def _remove(self, partnership):
        from prevent_hub.directory.models import Organisation
        from prevent_hub.governance.models import Attendance, Group, Meeting
        from prevent_hub.insights.models import Referral
        from prevent_hub.plans.models import Plan
        from prevent_hub.training.models import Course, HeadCount, TrainingSession

        with transaction.atomic():
            for model in (HeadCount, TrainingSession, Course, Attendance, Meeting, Group, Referral):
                model.objects.filter(partnership=partnership)._raw_delete(model.objects.db)
            Plan.objects.filter(partnership=partnership).delete()
            Organisation.objects.filter(partnership=partnership).delete()
            partnership.delete()

    @transaction.atomic
    def _load(self, partnership):
        from prevent_hub.directory.models import Organisation
        from prevent_hub.governance.models import Attendance, Group, Meeting
        from prevent_hub.insights.models import Referral
        from prevent_hub.plans.models import Action, Plan, PlanVersion, ProgressUpdate, Theme, Timescale
        from prevent_hub.training.models import Course, HeadCount, TrainingSession

        rnd = random.Random(9)
        organisations = Organisation.objects.bulk_create([
            Organisation(partnership=partnership, name=f"Organisation {n:02d}", sector=rnd.choice(
                ["local_authority", "education", "health", "police", "prisons_probation"]), is_specified_authority=n < 40)
            for n in range(60)])
        plan = Plan.objects.create(partnership=partnership, title="Benchmark Prevent Action Plan")
        version = PlanVersion.objects.create(partnership=partnership, plan=plan, label="2024 – 2025", year_start=2024,
                                             issued_date=dt.date(2024, 4, 1))
        themes = Theme.objects.bulk_create([Theme(partnership=partnership, plan_version=version, number=n,
                                                  title=f"Theme {n}") for n in range(1, 7)])
        actions = Action.objects.bulk_create([
            Action(partnership=partnership, plan_version=version, theme=themes[n % 6], ref=f"{n % 6 + 1}.{n // 6 + 1}",
                   sort_key=f"{n % 6 + 1:02d}.{n // 6 + 1:02d}", text=f"Key action number {n + 1}",
                   outcomes=["An outcome"], tags=["OFOF"] if n % 5 == 0 else []) for n in range(40)])
        Timescale.objects.bulk_create([Timescale(partnership=partnership, action=a, kind="cadence", text="Quarterly",
                                                 cadence="quarterly", position=0) for a in actions])
        today = timezone.localdate()
        current = schedule.period_containing(today, partnership.year_start_month).start
        with ProgressBar(40 * 40, "Quarterly updates", stream=self.stderr) as bar:
            updates = []
            for action in actions:
                for quarter in range(40):  # ten years of quarters, back from this one
                    start = schedule.add_months(current, -3 * quarter)
                    updates.append(ProgressUpdate(partnership=partnership, action=action, period_start=start,
                                                  status=rnd.choice(["on_track", "at_risk", "off_track", "complete"]),
                                                  rag=rnd.choice(["green", "amber", "red"]), narrative="Progress.",
                                                  author_name="Owner"))
            ProgressUpdate.objects.bulk_create(updates, batch_size=2000)
            bar.advance(len(updates))
        group = Group.objects.create(partnership=partnership, name="Strategy Group", kind="strategy_group")
        meetings = Meeting.objects.bulk_create([Meeting(
            partnership=partnership, group=group, status="held",
            starts_at=timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=16 * n + 1), dt.time(10))))
            for n in range(220)])
        Attendance.objects.bulk_create([Attendance(partnership=partnership, meeting=m, organisation=o,
                                                   status=rnd.choice(["present", "apologies", "absent"]))
                                        for m in meetings for o in organisations[:40]], batch_size=5000)
        course = Course.objects.create(partnership=partnership, name="Prevent awareness", level="awareness")
        sessions = TrainingSession.objects.bulk_create([TrainingSession(
            partnership=partnership, course=course, date=today - dt.timedelta(days=n % 3650))
            for n in range(5000)])
        with ProgressBar(110_000, "Training attendances", stream=self.stderr) as bar:
            HeadCount.objects.bulk_create([HeadCount(partnership=partnership, session=sessions[n % 5000],
                                                     organisation=organisations[n % 60], sector="education", count=1)
                                           for n in range(110_000)], batch_size=5000)
            bar.advance(110_000)
        with ProgressBar(70_000, "Referrals", stream=self.stderr) as bar:
            days = [today - dt.timedelta(days=rnd.randrange(3650)) for _ in range(70_000)]
            Referral.objects.bulk_create([Referral(
                partnership=partnership, reference=f"B{n}", referral_date=days[n],
                financial_year=days[n].year if days[n].month >= 4 else days[n].year - 1,
                sector=rnd.choice(["education", "police", "health", "local_authority"]), age_band="21_30",
                gender="male", concern=rnd.choice(["islamist", "extreme_right_wing", "other"]), district="North",
                stage=rnd.choice(["no_further_action", "signposted", "discussed_at_panel", "adopted"]))
                for n in range(70_000)], batch_size=5000)
            bar.advance(70_000)
        return version
