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
