"""Settings for the test suite: the real settings, plus a key and speed-ups.

DATABASE_URL and REDIS_URL are honoured, so CI runs the suite on PostgreSQL and Redis.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")

from nq57.settings import *  # noqa: F403

# Hashing demo and test passwords with PBKDF2 would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="nq57-test-media-")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT = tempfile.mkdtemp(prefix="nq57-test-static-")

# Parallel test processes share one Redis; keep their cache keys (such as the flag that
# coalesces greening refreshes) apart.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"  # noqa: F405
