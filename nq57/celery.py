import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")

app = Celery("nq57")
# All Celery options live in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
