from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class TasksAppConfig(AppConfig):
    name = "tasks_app"
    verbose_name = _("Resolution 57 tasks")

    def ready(self) -> None:
        from tasks_app import job_signals
        from tasks_app.params import IdConverter

        # Before any URLconf loads: every `<id:pk>` in the app's URLs is range-checked.
        register_converter(IdConverter, "id")
        connection_created.connect(_add_sqlite_fold, dispatch_uid="nq57_fold")
        job_signals.connect()  # failed and retried jobs, for the operators' page
        # drf-spectacular finds its extensions (the API token scheme) by their being imported.
        from tasks_app.api import schema  # noqa: F401


def _add_sqlite_fold(sender, connection, **kwargs) -> None:
    """SQLite runs Python's own fold() as nq57_fold(), the function PostgreSQL gets from
    migration 0013, so `__matches` folds alike on both (tasks_app.models.derived)."""
    if connection.vendor != "sqlite":
        return
    from tasks_app.text import fold

    connection.connection.create_function(
        "nq57_fold", 1, lambda value: None if value is None else fold(value), deterministic=True
    )
