import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and TOTP replay guards live in the cache; start each test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def smtp_server(settings):
    """Send the test's email through a real SMTP server listening on 127.0.0.1."""
    from prevent_hub.core.testing.smtp import LoopbackSMTPServer

    server = LoopbackSMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    yield server
    server.stop()
