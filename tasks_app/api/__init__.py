"""The REST API, version 1 (/api/v1/, docs/api.md).

It is another door onto the same rooms as the web app: every read goes through the
selectors and tasks_app/access.py, every write through the actions layer, so the API can
never see or do more than the web app allows the same user.
"""
