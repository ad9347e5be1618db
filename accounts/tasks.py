from celery import shared_task

from accounts.services import roles_sync_all as _roles_sync_all


@shared_task(name="accounts.tasks.roles_sync_all")
def roles_sync_all() -> int:
    """Role assignments start and end by date; beat runs this so the permissions follow."""
    return _roles_sync_all()
