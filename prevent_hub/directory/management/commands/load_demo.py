from django.core.management.base import BaseCommand

from prevent_hub.channel.demo import load_channel_demo
from prevent_hub.directory.demo import load_warwickshire
from prevent_hub.governance.demo import load_current_year_governance, load_warwickshire_governance
from prevent_hub.insights.demo import load_demo_referrals
from prevent_hub.plans.demo import load_current_version, load_warwickshire_plan
from prevent_hub.training.demo import load_current_year_training, load_warwickshire_training


class Command(BaseCommand):
    help = "Load the Warwickshire demo partnership from the public seed plan. Safe to run again."

    def handle(self, *args, **options):
        partnership, added = load_warwickshire()
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(f"{partnership.name}: added {summary}.")
        version = load_warwickshire_plan(partnership)
        if version is not None:
            self.stdout.write(f"Imported {version} with {version.actions.count()} actions.")
        current = load_current_version(partnership)
        if current is not None:
            self.stdout.write(f"Rolled the plan forward into {current}, with updates for the quarters so far.")
        governance = load_warwickshire_governance(partnership)
        if governance:
            self.stdout.write(f"Added {governance} governance records (groups, reporting lines, seats, obligations).")
        this_year = load_current_year_governance(partnership)
        if this_year:
            self.stdout.write(f"Added {this_year} records of this year's meetings, attendance and obligations.")
        channel = load_channel_demo(partnership)
        if any(channel.values()):
            self.stdout.write("Channel: added {factors} assessment factors, {retention} retention rules and "
                              "{cases} synthetic cases.".format(**channel))
        referrals = load_demo_referrals(partnership)
        if referrals:
            self.stdout.write(f"Statistics: added {referrals} synthetic referral records (2023/24 and 2024/25).")
        courses = load_warwickshire_training(partnership)
        if courses:
            self.stdout.write(f"Added {courses} training courses.")
        sessions = load_current_year_training(partnership)
        if sessions:
            self.stdout.write(f"Added {sessions} records of this year's training sessions and head-counts.")
