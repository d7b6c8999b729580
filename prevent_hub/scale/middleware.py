import time
from contextlib import ExitStack

from django.db import connections


class ServerTimingMiddleware:
    """Say in each response how long the server took and how many queries it made (``Server-Timing``).

    Only in the server that manage.py bench and loadtest start (``BENCH_BASELINE``): the header
    would tell anyone how much work a page does, so a deployment never sends it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (f'app;dur={elapsed:.2f}, db;dur={counter.seconds * 1000:.2f};'
                                     f'desc="{counter.queries} queries"')
        return response


class QueryCounter:
    """An execute wrapper that counts queries and the time spent in them."""

    def __init__(self):
        self.queries, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started
