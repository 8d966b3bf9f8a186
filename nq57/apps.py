"""App configs of third-party apps, where the app itself has no Vietnamese."""

from axes.apps import AppConfig as _AxesConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(_AxesConfig):
    """django-axes with a name in the admin's index: the app sets none, so the admin
    showed its label, "Axes", untranslated."""

    verbose_name = _("Sign-in protection")
