"""Django admin for office staff, one module per domain."""

from tasks_app.admin import api, greening, indicators, operations, tasks  # noqa: F401  (registers the model admins)
