"""The "API tokens" page: a user lists, creates and revokes their own tokens for scripts
and for the daily feed (docs/api.md). Plain forms, so it works without JavaScript.

A new token's secret is shown once, in the answer to the POST that created it: never in an
address (it would stay in the history and the server logs) nor in a message (messages
travel in the session cookie). Only its hash is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tasks_app.actions.tokens import MAX_ACTIVE_TOKENS_PER_USER, TooManyTokens, token_create, token_revoke
from tasks_app.forms.tokens import ApiTokenCreateForm
from tasks_app.http import AuthenticatedRequest
from tasks_app.models import ApiToken
from tasks_app.views.decorators import require_post_or_back


@login_required
@never_cache  # the answer to a POST holds a secret: no cache may keep it
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    form = ApiTokenCreateForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                issued = token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    purpose=form.cleaned_data["purpose"],
                    read_only=form.cleaned_data["read_only"],
                    expires_at=form.expires_at(),
                )
            except TooManyTokens:
                form.add_error(
                    None,
                    _(
                        "You already have %(limit)s active tokens, the most allowed. Revoke one you no "
                        "longer use, then create the new one."
                    )
                    % {"limit": MAX_ACTIVE_TOKENS_PER_USER},
                )
            else:
                return render(request, "accounts/api_token_created.html", {"issued": issued})
        status = 422
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "accounts/api_tokens.html", {"form": form, "tokens": tokens}, status=status)


@login_required
@require_post_or_back("api_tokens", with_arguments=False)
def api_token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # another user's token: 404
    if token_revoke(token=token):
        messages.success(
            request,
            _("The token “%(name)s” was revoked. Scripts using it are refused from now on.")
            % {"name": token.name},
        )
    else:
        messages.info(request, _("The token “%(name)s” was already revoked.") % {"name": token.name})
    return redirect("api_tokens")
