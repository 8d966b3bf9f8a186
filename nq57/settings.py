"""NQ57 Monitor settings.

Everything that differs between a laptop demo and production comes from the
environment. With nothing set, the app runs on a SQLite file, with Celery jobs queued
in a folder for the worker that `manage.py serve` starts, so `make demo` needs no server.
"""

import datetime
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from nq57.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Only ever good enough for a demo on one machine; production must set its own.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-nq57-demo-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY") or INSECURE_DEFAULT_SECRET_KEY
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off, NQ57 Monitor refuses to start on the "
        "built-in demo key. Set SECRET_KEY to a long random value, or DEBUG=1 for local work."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files, not from a CDN
    "drf_standardized_errors",
    "nq57.apps.AxesConfig",  # django-axes, with a translatable name
    "csp",  # django-csp: the Content-Security-Policy header (see "Security headers")
    "tasks_app",
    "reports",
    # nq57.devtools (the demo seed, `serve`, the bench_* commands): with DEMO_MODE, below.
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nq57.middleware.IgnoreBrowserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "nq57.middleware.NormaliseInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "nq57.middleware.IdleSessionMiddleware",  # after auth and htmx: it reads both
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nq57.urls"
WSGI_APPLICATION = "nq57.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DEFAULT_SQLITE_PATH = BASE_DIR / "db.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
# Database faults (issue 16; docs/operations.md, "Database connections"): on PostgreSQL each process keeps
# its connection for DB_CONN_MAX_AGE seconds and checks it before reusing it for a new
# request, so a connection the server dropped is replaced instead of failing a request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60) if DATABASE_URL else 0,
        conn_health_checks=bool(DATABASE_URL),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a seed or job writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The indicator figures' covering index (INCLUDE columns) is a PostgreSQL index; SQLite,
# the demo's database, builds it on the key columns alone, which is all it needs there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Redis: cache and Celery ------------------------------------------------
# Redis timeouts (issue 16): a stopped or frozen Redis must not hold a web request. Every
# call to Redis, from the cache and from a Celery publish, gives up after REDIS_TIMEOUT_MS
# (connect and read alike); the callers then fall back (tasks_app/jobs.py, rate_limits.py,
# actions/greening.py), because the work is already recorded in the database (the greening
# backlog, a report in "queued") and the sweeper sends it once Redis is back. Redis answers
# in a millisecond when it is well, so half a second is only ever reached when it is not.
REDIS_TIMEOUT_SECONDS = env_int("REDIS_TIMEOUT_MS", 500) / 1000
REDIS_CACHE_OPTIONS = {  # redis-py's connection pool, under django's RedisCache
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    # One quick retry on a refused or dropped connection (a pooled socket from before a Redis
    # restart), none on a timeout: retrying a frozen server only doubles the wait.
    "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
}
REDIS_BROKER_TRANSPORT_OPTIONS = {  # kombu's redis transport
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    # A publish from a request tries the broker once (kombu's default retries for up to
    # broker_connection_timeout); the worker's own reconnects use broker_connection_* instead.
    "max_retries": 0,
}
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "nq57",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
    # The result backend's client too: the worker stores scheduled jobs' results there
    # (publishes from requests skip it, tasks_app/jobs.py), and must not hang on it either.
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
    CELERY_RESULT_BACKEND: str | None = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No Redis, no server to install: jobs still run in the background, as in production,
    # on the Celery worker that `manage.py serve` starts beside the web server. The broker
    # is a folder of message files (Kombu's filesystem transport); the cache, which the
    # web process and the worker share (greening's "refresh queued" flag), is a folder too.
    # docs/jobs.md explains the choice. JOBS_IN_PROCESS=1 runs jobs inside the request.
    JOBS_DIR = Path(env_str("JOBS_DIR") or BASE_DIR / "var" / "jobs")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(JOBS_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(JOBS_DIR / "queue"),
        "data_folder_out": str(JOBS_DIR / "queue"),
        "control_folder": str(JOBS_DIR / "control"),
    }
    for _folder in ("queue", "control"):
        (JOBS_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = None  # a job's outcome is on its own rows (report, snapshots)
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # no broadcast files to poll
    CELERY_BEAT_SCHEDULE_FILENAME = str(JOBS_DIR / "beat-schedule")
    CELERY_TASK_ALWAYS_EAGER = env_bool("JOBS_IN_PROCESS", default=False)
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
# --- Celery: delivery, limits, shutdown and the schedule (docs/operations.md) ---------
# Late acknowledgement and redelivery of a lost worker's job are set per job, only on the
# jobs that are safe to run twice (reports/tasks.py, tasks_app/tasks.py); the default
# acknowledges before running, so a job not known to be idempotent never runs twice.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Jobs take seconds to minutes: a worker reserves one at a time, so a job never waits
# behind a long one in a busy worker's buffer while another worker is idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)  # KiB
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker connection drops, stop the late-acknowledged jobs in flight: the broker
# hands their messages out again, and the copy must not race the original.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Soft shutdown (Celery 5.5+): on a cold shutdown (SIGQUIT, or SIGTERM with
# REMAP_SIGTERM=SIGQUIT) the worker lets running jobs finish for this long, then stops
# them; late-acknowledged ones go back to the queue. Below docker's 10 s stop grace.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env_int("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", 8)
# ...and requeues delayed jobs (the greening refresh, retries) held by an idle worker.
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
# A report job is stopped after this long (the soft limit first, to record the error).
REPORT_SOFT_TIME_LIMIT = env_int("REPORT_SOFT_TIME_LIMIT", 120)
REPORT_TIME_LIMIT = env_int("REPORT_TIME_LIMIT", 150)
# A report still queued after this long (and not queued again since) has lost its job.
REPORT_QUEUED_LOST_SECONDS = env_int("REPORT_QUEUED_LOST_SECONDS", 5 * 60)
# The sweeper's interval: a dead worker's report is ready again within
# REPORT_TIME_LIMIT + 10 s + this + one render, inside the promised time limit + 1 minute.
JOBS_SWEEP_SECONDS = env_int("JOBS_SWEEP_SECONDS", 30)
# Redis hands an unacknowledged message to another worker after this long. It must
# outlast the longest job (the hard time limit) and the longest delay a worker holds a
# message for (retry backoff up to 300 s, report retries up to 120 s, the greening
# refresh's GREENING_COALESCE_SECONDS), or a slow or waiting job runs twice.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60)
_LONGEST_HOLD = max(CELERY_TASK_TIME_LIMIT, REPORT_TIME_LIMIT, 300)  # 300: retry_backoff_max
if _LONGEST_HOLD >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must outlast the time limits and retry delays.")
if REDIS_URL:  # add to the transport options, whatever else they hold
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    }
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        **globals().get("CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS", {}),
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    }
# Exactly one beat may run (docs/operations.md); if two do, every scheduled job is
# idempotent and runs alone (tasks_app.job_locks), so nothing happens twice.
CELERY_BEAT_SCHEDULE = {
    # Local midnight turns yesterday's due tasks overdue; settle yesterday, start today.
    "greening-nightly": {"task": "greening.nightly", "schedule": crontab(hour=0, minute=5)},
    # Monday 07:00 in CELERY_TIMEZONE (Asia/Ho_Chi_Minh): last week's reports, nation and provinces.
    "reports-weekly": {"task": "reports.weekly", "schedule": crontab(hour=7, minute=0, day_of_week="mon")},
    # Nothing stays stuck: re-queue reports no worker will finish, drain a forgotten backlog.
    "jobs-sweep": {"task": "jobs.sweep", "schedule": float(JOBS_SWEEP_SECONDS)},
}
# --- end of the Celery block ----------------------------------------------------------

# --- Greening ------------------------------------------------------------------
# After a task change, wait this long before the incremental refresh so a burst of
# changes is recomputed once; the flag that marks a refresh as queued outlives it.
GREENING_COALESCE_SECONDS = env_int("GREENING_COALESCE_SECONDS", 2)
GREENING_QUEUED_FLAG_SECONDS = env_int("GREENING_QUEUED_FLAG_SECONDS", 120)
# Dashboards poll for fresh figures; faster while a change is waiting to be counted.
DASHBOARD_REFRESH_SECONDS = env_int("DASHBOARD_REFRESH_SECONDS", 60)
DASHBOARD_PENDING_REFRESH_SECONDS = env_int("DASHBOARD_PENDING_REFRESH_SECONDS", 3)

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "tasks_app.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's start page: tasks_app.access.start_page
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses a username from an address after too many.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
# A username from one address: a whole commune office behind one NAT address is not
# locked out by one colleague's typos, and guessing one account is still stopped.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# django-axes' default, named here because tasks_app.login_limits reads it too.
AXES_LOCK_OUT_AT_FAILURE = True
# --- Logins, passwords and sessions (issue 15, point 6; docs/access.md "Logging in") ---
# The demo (`make demo` / `make serve`, or any DEBUG=1 machine) is the only place where
# the public demo password may be set; tasks_app.passwords refuses it everywhere else.
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)
# The development app, as Zulip keeps populate_db in zilencer: the demo, and DEVTOOLS=1 for a
# benchmark run by hand on production-like settings. Production (docker-compose) has neither.
DEVTOOLS = DEMO_MODE or env_bool("DEVTOOLS", default=False)
if DEVTOOLS:
    INSTALLED_APPS.append("nq57.devtools")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    # Django's 20,000 common passwords plus common Vietnamese ones (matkhau123, anhyeuem...).
    {"NAME": "tasks_app.passwords.CommonPasswordIncludingVietnameseValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},  # phone numbers, dates
    {"NAME": "tasks_app.passwords.DemoPasswordValidator"},
]
# Failed logins per address too, whatever the username, so trying many usernames from
# one address is stopped; a higher limit, as a commune's officials share one NAT address.
# django-axes has one limit for every parameter: tasks_app.login_limits adds this one.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_HANDLER = "tasks_app.login_limits.LoginLimitsHandler"
# Idle timeout: only what a person does renews the session, not a dashboard's polling
# (nq57.middleware.IdleSessionMiddleware). The session is saved when it changes, which
# each real request does (its last activity), so the cookie and the stored session
# expire SESSION_IDLE_SECONDS after the last real request.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
# Reports and their Excel tables take seconds of CPU each: this many per user a minute.
REPORT_REQUESTS_PER_MINUTE = env_int("REPORT_REQUESTS_PER_MINUTE", 6)
EXCEL_DOWNLOADS_PER_MINUTE = env_int("EXCEL_DOWNLOADS_PER_MINUTE", 20)
# --- end of logins, passwords and sessions ----------------------------------------------

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "vi")
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {sorted(dict(LANGUAGES))}")
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "nq57" / "locale"]
FORMAT_MODULE_PATH = ["nq57.formats"]

# --- Static and uploaded files ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 10) * 1024 * 1024

# --- Upload limits (issue 15, uploads; tasks_app/upload_limits.py, docs/access.md) ------------
# One update's files together, and how many; a request declaring more than the files plus room
# for the form's text is answered 413 before its body is read. The first upload handler stops
# keeping a file past EVIDENCE_MAX_BYTES and the submission past these limits as it arrives.
EVIDENCE_MAX_TOTAL_BYTES = env_int("EVIDENCE_MAX_TOTAL_MB", 30) * 1024 * 1024
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 10)
REQUEST_MAX_BYTES = EVIDENCE_MAX_TOTAL_BYTES + 1024 * 1024
# One more than the form allows, so the form, not Django's bare 400, tells the user.
DATA_UPLOAD_MAX_NUMBER_FILES = EVIDENCE_MAX_FILES + 1
FILE_UPLOAD_HANDLERS = [
    "tasks_app.upload_limits.EvidenceLimitsUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Before NormaliseInputMiddleware, the first middleware that reads the body.
MIDDLEWARE.insert(
    MIDDLEWARE.index("nq57.middleware.NormaliseInputMiddleware"),
    "tasks_app.upload_limits.RequestSizeLimitMiddleware",
)
# --- End of upload limits ------------------------------------------------------------------

# --- REST API ------------------------------------------------------------------
REST_FRAMEWORK = {
    # Sessions for the browser (with CSRF), API tokens for machine clients (tasks_app/api).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tasks_app.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "tasks_app.api.permissions.TokenAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "tasks_app.api.throttling.PerTokenThrottle",
        "tasks_app.api.throttling.PerUserThrottle",
        "tasks_app.api.throttling.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_PER_TOKEN", "600/min"),
        "user": env_str("API_RATE_PER_USER", "1200/min"),
        "anon": env_str("API_RATE_ANONYMOUS", "60/min"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tasks_app.api.pagination.PagePagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "tasks_app.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
DRF_STANDARDIZED_ERRORS = {
    # One error shape for every failure, with the extra statuses this API answers.
    "EXCEPTION_FORMATTER_CLASS": "tasks_app.api.errors.ApiErrorFormatter",
    "EXCEPTION_HANDLER_CLASS": "tasks_app.api.errors.ApiExceptionHandler",
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "406",
        "412",
        "415",
        "422",
        "428",
        "429",
    ],
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NQ57 Monitor API",
    "DESCRIPTION": _(
        "Tasks of Resolution 57 from the central steering committee to every commune: units, plans, "
        "tasks and their updates, evidence, greening figures and reports. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    # Tag names are the paths' first segment (stable, for programs); their descriptions are for people.
    "TAGS": [
        {
            "name": "units",
            "description": _(
                "Units: the centre, ministries, provinces and communes, and their greening figures"
            ),
        },
        {"name": "plans", "description": _("Plans: the assigning documents")},
        {"name": "phases", "description": _("Phases of the plans")},
        {"name": "task-groups", "description": _("Task groups of the plans")},
        {"name": "committees", "description": _("Steering committees")},
        {"name": "tasks", "description": _("Tasks, their updates and evidence")},
        {"name": "reports", "description": _("Weekly reports (PDF and Excel)")},
        {"name": "feed", "description": _("The daily feed for the data-sharing platforms")},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        # Several resources have a "kind", a "status" or a "colour": name each set of choices.
        "TaskStatusEnum": "tasks_app.models.TaskStatus.choices",
        "UpdatableStatusEnum": "tasks_app.api.serializers.tasks.UPDATABLE_STATUS_CHOICES",
        "UnitKindEnum": "tasks_app.models.UnitKind.choices",
        "UpdateKindEnum": "tasks_app.models.UpdateKind.choices",
        "ReportKindEnum": "reports.models.ReportKind.choices",
        "ReportStatusEnum": "reports.models.ReportStatus.choices",
        "ColourEnum": "tasks_app.models.Colour.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

# --- Security headers, HTTPS and reverse proxies ----------------------------------------
# README "Deployment" explains these. With DEBUG off the defaults are for a site reached
# over HTTPS; `make serve`/`make demo` (plain HTTP on 127.0.0.1) turn the HTTPS parts off.
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_FAILURE_VIEW = "tasks_app.views.system.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# How many reverse proxies we run in front of the app (a TLS-terminating nginx: 1). With 0
# nothing a client sends in X-Forwarded-* is believed. With N, X-Forwarded-Proto (which the
# proxy must set, not append) says whether the request came over HTTPS, and the client's
# address, for django-axes's login-failure counts, is the Nth X-Forwarded-For entry from
# the right (nq57/proxy.py), never the client-written leftmost one.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 (no proxy) or more")
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "nq57.proxy.client_ip"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Plain HTTP is answered with a redirect to HTTPS (off only where there is no HTTPS
    # at all, such as the local demo, or where the proxy already redirects).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's own health check is plain HTTP
    # Browsers remember to use HTTPS only; sent on HTTPS responses only, so harmless on HTTP.
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

# Only our own files: no inline scripts, styles or style attributes (a style="" in a
# template is refused by the browser; use a class in static/css), no eval (htmx runs with
# allowEval off, base.html), nothing from another site. data: images: the empty page icon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint 67+ no longer quiets its own logger: its progress steps, seven INFO lines
    # per PDF, would fill the worker's log. Its warnings and errors (a refused or broken
    # resource) still show.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
