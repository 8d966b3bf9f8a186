from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from nq57.celery import app as celery_app
from tasks_app.access import start_page
from tasks_app.forms.accounts import LoginForm, PasswordChangeForm


@require_safe  # HEAD too: uptime checks ask with HEAD
def home(request: HttpRequest) -> HttpResponse:
    """Each role's start page (tasks_app.access.start_page)."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(start_page(request.user))


class LoginView(auth_views.LoginView):
    """Django's login; without a safe ?next=, it sends the user straight to their start
    page rather than through "/"."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        # Django asks only for a signed-in user: after the login, or one who opens the page.
        assert user.is_authenticated
        return resolve_url(start_page(user))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; a wrong old password counts as a failed login. Once the
    account is locked, the session ends too: whoever is guessing is not its owner, and
    django-axes answers with the lockout page (AxesMiddleware)."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            logout(self.request)
        return super().form_invalid(form)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for the container check, the load balancer and the operator: each dependency
    "ok" or "down", and an overall "status".

    Only a lost database is "down" (503): nothing works without it. A lost Redis is
    "degraded" (200): pages and saves go on without it (the jobs wait in the database until
    it is back), so a load balancer must keep sending traffic and an orchestrator must not
    restart the web processes, which would not bring Redis back. Monitoring alerts on
    "degraded". The Redis checks are bounded by the short Redis timeouts (nq57/settings.py),
    so a frozen Redis costs the check about a second, never a hang; when all is well it
    costs a few milliseconds."""
    checks = {"database": _database_state(), "cache": _cache_state()}
    if not celery_app.conf.task_always_eager:  # in-process jobs have no broker to lose
        checks["broker"] = _broker_state()
    if checks["database"] != "ok":
        status = "down"
    elif any(state != "ok" for state in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **checks}, status=503 if status == "down" else 200)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def _cache_state() -> str:
    try:
        cache.set("healthz", "1", 5)
        return "ok" if cache.get("healthz") == "1" else "down"
    except Exception:  # any backend failure means "down", whatever its type
        return "down"


def _broker_state() -> str:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0)  # one try, bounded by the socket timeouts
    except Exception:  # kombu, redis-py or a bare socket error: the broker cannot take jobs
        return "down"
    return "ok"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted with a stale token (the user logged in again elsewhere, or the page
    was opened before): the app's own page, in the user's language, saying what to do."""
    return render(request, "403_csrf.html", status=403)
