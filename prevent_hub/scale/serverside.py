"""The part of manage.py bench and loadtest that runs under the server's own settings (issue 10).

``python -m prevent_hub.scale.serverside`` runs with exactly the environment the benchmark
gives gunicorn (production settings, the same SECRET_KEY and database). It reads a request
as JSON on stdin and answers as JSON on stdout. It:

- does the two idempotent deployment steps the production settings need and a fresh
  database may lack: collected static files (the manifest storage refuses to render a page
  without them) and the database cache table;
- opens sessions for the users asked for, written to the session store as a sign-in with a
  second factor leaves them (user, backend, session hash, the session rules' keys), so no
  password or one-time code is needed; the server decodes them with its own key;
- says which cookie names and proxy header a client of that server must use.
"""
import json
import sys
import time


def open_session(user, store_class) -> str:
    """Store a signed-in session for ``user`` that has passed the second factor; return its key."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from prevent_hub.accounts.middleware import LAST_SEEN_KEY, MFA_OK_KEY, STARTED_KEY

    now = time.time()
    session = store_class()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[MFA_OK_KEY] = True
    session[STARTED_KEY] = now
    session[LAST_SEEN_KEY] = now
    session.create()
    return session.session_key


def proxy_header(setting) -> list[str] | None:
    """``("HTTP_X_FORWARDED_PROTO", "https")`` as the header a proxy sends: ``["X-Forwarded-Proto", "https"]``."""
    if not setting:
        return None
    meta_name, value = setting
    return [meta_name.removeprefix("HTTP_").replace("_", "-").title(), value]


def prepare(sessions: dict[str, int]) -> dict:
    """Ready the database for the server and open ``count`` sessions for each user id in ``sessions``."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    users = get_user_model().objects.in_bulk([int(pk) for pk in sessions])
    opened = {pk: [open_session(users[int(pk)], store_class) for _ in range(count)] for pk, count in sessions.items()}
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "proxy_header": proxy_header(settings.SECURE_PROXY_SSL_HEADER),
        "sessions": opened,
    }


def main() -> None:
    import django

    django.setup()
    request = json.load(sys.stdin)
    sys.stdout.write(json.dumps(prepare(request["sessions"])) + "\n")


if __name__ == "__main__":
    main()
