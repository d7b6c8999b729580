from django.views.generic import TemplateView


class BaselineView(TemplateView):
    """A bare page behind the full middleware stack: what every other page is measured against (issue 10).

    It makes no queries and extends no layout, so its time is the cost of the stack alone
    (session, user, memberships for the idle rule, CSRF, CSP, security headers).
    """

    template_name = "scale/baseline.html"
