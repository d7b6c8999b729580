"""gunicorn's settings for the hub: ``gunicorn --config config/gunicorn.conf.py config.wsgi``.

Production and the server ``manage.py bench`` and ``loadtest`` start use this file (README, "Deployment").
Anything given on the command line (bind address, workers) overrides what is set here.

gunicorn writes ``Server: gunicorn`` on every HTTP/1 response itself (``Response.default_headers`` in
gunicorn.http.wsgi, not a setting), which tells anyone the server and invites version probing. This file
drops that line. It runs in the master process before the workers are forked, so every worker has it.
HTTP/2 (gunicorn's ``http_protocols``, off by default) is not used here and keeps its own header.
"""
from gunicorn.http import wsgi

wsgi_app = "config.wsgi:application"
# No access log from gunicorn: link pages carry secret tokens in their paths (README, "Deployment").
accesslog = None


def _without_server_header(default_headers):
    def default_headers_without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    default_headers_without_server.__wrapped__ = default_headers
    return default_headers_without_server


if not hasattr(wsgi.Response.default_headers, "__wrapped__"):  # this file can be read more than once
    wsgi.Response.default_headers = _without_server_header(wsgi.Response.default_headers)
