"""The server production runs (gunicorn with config/gunicorn.conf.py) sends no Server header.

The finding: every response carried ``Server: gunicorn``. A real gunicorn is started on a loopback port, the way
the benchmark starts it (benchmark.Processes), with the production settings and a SQLite file database.
"""
import http.client
import os
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from prevent_hub.scale import benchmark


@pytest.fixture
def production_env(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}",
        "SECRET_KEY": "gunicorn-config-test-" + "k" * 50,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "AUDIT_ANCHOR_KEYS": "gunicorn-config-test-anchor-" + "a" * 40,
        "AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
        "ALLOWED_HOSTS": f"{benchmark.HOST},localhost",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def get(port, path="/"):
    connection = http.client.HTTPConnection(benchmark.HOST, port, timeout=10)
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})  # as behind the TLS proxy
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_benchmark_starts_gunicorn_with_the_config_and_no_server_header_is_sent(production_env):
    port = benchmark.free_port()
    with benchmark.Processes(production_env, port) as processes:
        (name, process, _), = processes.children
        assert name == "gunicorn" and str(benchmark.GUNICORN_CONFIG) in process.args
        response = get(port)
    assert response.status == 302 and response.getheader("Location").startswith("/accounts/login/")
    assert response.getheader("X-Request-Id")  # Django answered, through gunicorn
    assert response.getheader("Server") is None
    assert "server" not in {name.lower() for name, _ in response.getheaders()}


def test_without_the_config_gunicorn_names_itself(production_env):
    """The header the config removes is there without it, so the test above can fail."""
    port = benchmark.free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{benchmark.HOST}:{port}",
                               "--workers", "1", "--no-control-socket"], cwd=settings.BASE_DIR, env=production_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "gunicorn stopped"
            try:
                response = get(port)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.1)
        assert response.getheader("Server", "").startswith("gunicorn")
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_the_config_file_can_be_read_twice_without_wrapping_twice():
    import runpy

    from gunicorn.http import wsgi

    original = wsgi.Response.default_headers
    try:
        runpy.run_path(str(benchmark.GUNICORN_CONFIG))
        once = wsgi.Response.default_headers
        runpy.run_path(str(benchmark.GUNICORN_CONFIG))
        assert wsgi.Response.default_headers is once and once.__wrapped__ is original
    finally:
        wsgi.Response.default_headers = original
