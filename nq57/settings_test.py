"""Settings for the test suite: the real settings, plus a key and speed-ups.

DATABASE_URL and REDIS_URL are honoured, so CI runs the suite on PostgreSQL and Redis.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")

from nq57.settings import *  # noqa: F403
from nq57.settings import CACHES, INSTALLED_APPS, REDIS_URL, STORAGES

# The tests seed the demo and drive the benchmarks, whatever DEMO_MODE says.
DEVTOOLS = True
if "nq57.devtools" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "nq57.devtools"]

# Hashing demo and test passwords with PBKDF2 would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="nq57-test-media-"))
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="nq57-test-static-"))

# Parallel test processes share one Redis; keep their cache keys (such as the flag that
# coalesces greening refreshes) apart.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"

if not REDIS_URL:
    # Without Redis the app queues jobs for the worker that `manage.py serve` starts; the
    # tests run them in the caller's thread instead, so every outcome is known when the
    # call returns (tests/test_background_jobs.py drives the real worker). Each test
    # process keeps its own cache.
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The test client and the live server speak plain HTTP; with DEBUG off the settings would
# redirect every request to HTTPS (tests/test_settings.py checks that default).
SECURE_SSL_REDIRECT = False

# Tests download many reports as the same few people within a minute (and SQLite reuses
# the ids of rolled-back users, so counters would carry over between tests); the rate
# limit's own tests set a small limit (tests/test_login_rules.py).
REPORT_REQUESTS_PER_MINUTE = 10_000
EXCEL_DOWNLOADS_PER_MINUTE = 10_000
