from django.conf import settings

from .navigation import navigation


def layout(request):
    """Values every page's layout needs: the partnership, navigation and session timings."""
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "service_name": "Prevent Partnership Hub",
        "current_partnership": getattr(request, "partnership", None),
        **(navigation(request) if authenticated else {"nav_items": [], "area_pages": [], "area_label": ""}),
        "idle_timeout_seconds": getattr(request, "idle_timeout_seconds", settings.IDLE_TIMEOUT_SECONDS),
        "idle_warning_seconds": settings.IDLE_WARNING_SECONDS,
    }
