from django.contrib.auth import views as auth_views
from django.urls import path

from tasks_app.views import lifecycle, operations, system, tasks, tokens

urlpatterns = [
    path("", system.home, name="home"),
    path("healthz", system.healthz, name="healthz"),
    path("accounts/login/", system.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", system.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/tokens/", tokens.api_tokens, name="api_tokens"),
    path("accounts/tokens/<id:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
    path("tasks/", tasks.my_tasks, name="my_tasks"),
    path("tasks/new/", tasks.task_new, name="task_new"),
    path("tasks/approvals/", lifecycle.approvals, name="task_approvals"),
    path("tasks/<id:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<id:pk>/update/", tasks.task_update, name="task_update"),
    path("tasks/<id:pk>/cascade/", tasks.task_cascade_view, name="task_cascade"),
    path("tasks/<id:pk>/edit/", lifecycle.task_edit, name="task_edit"),
    path("tasks/<id:pk>/withdraw/", lifecycle.task_withdraw_view, name="task_withdraw"),
    path("tasks/<id:pk>/decide/", lifecycle.task_decide, name="task_decide"),
    path("tasks/<id:pk>/evidence/<id:evidence_id>/", tasks.evidence_download, name="evidence_download"),
    path("operations/", operations.operations, name="operations"),
    path("operations/reports/<id:pk>/retry/", operations.report_retry_view, name="operations_report_retry"),
    path("operations/jobs/<id:pk>/retry/", operations.job_retry_view, name="operations_job_retry"),
    path("operations/greening/", operations.greening_refresh_view, name="operations_greening_refresh"),
]
