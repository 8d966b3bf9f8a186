"""The app's URLs plus one view that fails, for the 500 page's test."""

from django.urls import path

from nq57.urls import urlpatterns as app_urlpatterns


def fail(request):
    raise RuntimeError("a bug")


urlpatterns = [*app_urlpatterns, path("fail/", fail)]
