import uuid

from .context import current_request_id


class RequestIdMiddleware:
    """Give each request an id that the change log records beside every write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-Id"] = request.id
        return response


class NoStoreMiddleware:
    """Tell browsers and proxies not to keep any page we generate.

    Static files are served before this by WhiteNoise and keep their own caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


# URL keyword arguments that hold a link's secret: whoever has the URL can open the page (owner updates,
# training returns and feedback, Channel requests and feedback, calendar feeds; allauth's email keys).
SECRET_URL_KWARGS = frozenset({"token", "key"})
LINK_PAGE_REFERRER_POLICY = "strict-origin"


class LinkReferrerPolicyMiddleware:
    """Send only our origin as Referer from any page whose URL carries a secret, whatever the page answers.

    The default policy (``same-origin``) would send the page's URL, token included, with every request
    for the page's own scripts and styles, and to any page of ours it links to; those URLs then sit in
    access logs. ``strict-origin`` sends ``https://host/`` and nothing of the path. Not ``no-referrer``:
    under it browsers send ``Origin: null`` with the page's own form posts, and Django's CSRF check then
    refuses the owner's update, the training return and the password reset. Deciding by the matched URL
    pattern means a new link page cannot be added without it (core/tests/test_link_pages.py walks every
    such pattern).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and not SECRET_URL_KWARGS.isdisjoint(match.kwargs):
            response["Referrer-Policy"] = LINK_PAGE_REFERRER_POLICY
        return response
