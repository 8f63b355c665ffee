"""The app's settings, all from environment variables (see README.md, "The approval app").

FLOWPG_APP_DSN          libpq connection string of the app's login role (the "authenticator",
                        granted the roles of the people who use the app); required
FLOWPG_APP_LISTEN       host:port to listen on; default 127.0.0.1:8080
FLOWPG_APP_SECRET       the key that signs session cookies and CSRF tokens; without it a random
                        one is made at start (sessions then end when the app restarts)
FLOWPG_APP_AUTH         "password" (default): people sign in with their PostgreSQL role name and
                        password, checked by connecting as them; "header": a reverse proxy that
                        authenticated them says who they are in FLOWPG_APP_USER_HEADER
FLOWPG_APP_USER_HEADER  the trusted header with "header" authentication; default X-Forwarded-User
FLOWPG_APP_COOKIE_SECURE  1: the session cookie is sent over HTTPS only (set it behind TLS)
FLOWPG_APP_POOL_SIZE    connections kept open to the database; default 4
FLOWPG_APP_THREADS      request threads; default 8
"""

import os
import secrets
import sys


class ConfigError(Exception):
    """A setting that is missing or invalid."""


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _int(name, default, low, high):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if not low <= n <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {n}")
    return n


def from_environment(env=None):
    """The settings as a dict of Flask config keys; ConfigError for a bad one."""
    env = os.environ if env is None else env
    dsn = env.get("FLOWPG_APP_DSN")
    if not dsn:
        raise ConfigError("FLOWPG_APP_DSN is not set: give the connection string of the app's login role")
    auth = env.get("FLOWPG_APP_AUTH", "password") or "password"
    if auth not in ("password", "header"):
        raise ConfigError(f"FLOWPG_APP_AUTH must be password or header, not {auth!r}")
    listen = env.get("FLOWPG_APP_LISTEN", "127.0.0.1:8080") or "127.0.0.1:8080"
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"FLOWPG_APP_LISTEN must be host:port, not {listen!r}")
    secret = env.get("FLOWPG_APP_SECRET")
    if not secret:
        print("flowpg app: FLOWPG_APP_SECRET is not set; using a random one "
              "(sessions end when the app restarts)", file=sys.stderr)
        secret = secrets.token_hex(32)
    return {
        "FLOWPG_DSN": dsn,
        "FLOWPG_AUTH": auth,
        "FLOWPG_USER_HEADER": env.get("FLOWPG_APP_USER_HEADER", "X-Forwarded-User") or "X-Forwarded-User",
        "FLOWPG_POOL_SIZE": _int("FLOWPG_APP_POOL_SIZE", 4, 1, 100),
        "FLOWPG_THREADS": _int("FLOWPG_APP_THREADS", 8, 1, 256),
        "FLOWPG_HOST": host.strip("[]"),
        "FLOWPG_PORT": int(port),
        "SECRET_KEY": secret,
        "SESSION_COOKIE_SECURE": _flag("FLOWPG_APP_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "flowpg_session",
        "WTF_CSRF_TIME_LIMIT": None,   # the token lives as long as the session
    }
