from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.generic import TemplateView

from prevent_hub.accounts.selectors import partnerships_for

from .navigation import landing_url


class HomeView(TemplateView):
    """Send a user to their partnership, or let them choose when they have several."""

    template_name = "core/home.html"

    def get(self, request, *args, **kwargs):
        partnerships = [(p, landing_url(request.user, p)) for p in partnerships_for(request.user)]
        partnerships = [(p, url) for p, url in partnerships if url]  # a role that opens no page is no way in
        if len(partnerships) == 1 and "choose" not in request.GET:
            return redirect(partnerships[0][1])
        return self.render_to_response(self.get_context_data(partnerships=partnerships))


class SessionExtendView(View):
    """'Stay signed in': any authenticated request resets the idle timer."""

    http_method_names = ["post"]

    def post(self, request):
        return JsonResponse({"idle_timeout_seconds": getattr(request, "idle_timeout_seconds", None)})


@method_decorator(login_not_required, name="dispatch")
class AccessibilityStatementView(TemplateView):
    template_name = "core/accessibility.html"


def error_view(template_name, status):
    @login_not_required
    def view(request, exception=None):
        from django.http import HttpResponse
        from django.shortcuts import render
        from django.template import loader

        if status >= 500:
            # Something already failed: render with no context (no database, no session).
            return HttpResponse(loader.get_template(template_name).render(), status=status)
        return render(request, template_name, status=status)

    return view
