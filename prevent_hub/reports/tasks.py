"""Reports are made by the background worker (`manage.py db_worker`)."""
from django_tasks import task

from .services import report_generate


@task()
def generate_report_task(run_id: int) -> str:
    return report_generate(run_id).status
