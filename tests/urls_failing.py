"""The app's URLs plus views that fail, for the tests of the 500 and 503 pages."""

from django.db import OperationalError
from django.urls import path

from nq57.urls import handler500  # noqa: F401  (the app's error page, as in production)
from nq57.urls import urlpatterns as app_urlpatterns


def fail(request):
    raise RuntimeError("a bug")


def lose_database(request):
    raise OperationalError("terminating connection due to administrator command")


urlpatterns = [*app_urlpatterns, path("fail/", fail), path("lose-database/", lose_database)]
