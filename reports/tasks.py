"""The background tasks of the reports app (Django's Tasks API: any backend TASKS names)."""

from django_tasks import task

from reports import jobs


@task()
def run_export(job_id: int) -> dict:
    """Write one export file (reports.jobs.run: the owner's scope, progress, rename when whole)."""
    return jobs.run(job_id)
