from django.conf import settings
from django.urls import include, path

from prevent_hub.core.views import error_view

urlpatterns = [
    path("", include("prevent_hub.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("prevent_hub.accounts.urls")),
    path("p/<slug:partnership>/", include("prevent_hub.directory.urls")),
    path("p/<slug:partnership>/", include("prevent_hub.plans.urls")),
    path("update/", include("prevent_hub.plans.public_urls")),
    path("p/<slug:partnership>/", include("prevent_hub.governance.urls")),
    path("calendar/", include("prevent_hub.governance.public_urls")),
    path("p/<slug:partnership>/", include("prevent_hub.training.urls")),
    path("training/", include("prevent_hub.training.public_urls")),
    path("p/<slug:partnership>/channel/", include("prevent_hub.channel.urls")),
    path("channel/", include("prevent_hub.channel.public_urls")),
    path("p/<slug:partnership>/", include("prevent_hub.insights.urls")),
    path("p/<slug:partnership>/", include("prevent_hub.reports.urls")),
    path("p/<slug:partnership>/audit/", include("prevent_hub.audit.urls")),
]
if settings.BENCH_BASELINE:  # the benchmark's bare page, only in the server manage.py bench starts (issue 10)
    urlpatterns.append(path("_bench/", include("prevent_hub.scale.urls")))

handler400 = error_view("errors/400.html", 400)
handler403 = error_view("errors/403.html", 403)
handler404 = error_view("errors/404.html", 404)
handler500 = error_view("errors/500.html", 500)
