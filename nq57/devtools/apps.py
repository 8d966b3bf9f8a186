from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "nq57.devtools"
    label = "devtools"
