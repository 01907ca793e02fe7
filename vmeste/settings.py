"""Settings, read from VMESTE_* environment variables.

Defaults are safe for production (DEBUG off, secure cookies when not in demo mode); the
demo conveniences (DEBUG toolbar-free debug pages, insecure cookies over plain HTTP) are only
switched on by VMESTE_DEMO=1, which `make demo` sets.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("VMESTE_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEMO = _flag("VMESTE_DEMO")
DEBUG = _flag("VMESTE_DEBUG", default=False)


def _secret_key() -> str:
    """The key from the environment, or one generated once and kept in the data dir."""
    if key := os.environ.get("VMESTE_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must agree on a single key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = _list("VMESTE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _list("VMESTE_CSRF_TRUSTED_ORIGINS", "")

# The domain apps, in dependency order. The API and the URLs mount each app's `api.router`
# and `urls` when the app has them (see vmeste/api.py and vmeste/urls.py).
DOMAIN_APPS = [
    "core",
    "accounts",
    "people",
    "contacts",
    "assistance",
    "knowledge",
    "directory",
    "volunteers",
    "deliveries",
    "contactcenter",
    "telephony",
    "workforce",
    "reports",
    # The site's shell: the top bar, the call card, the person card, the side panels.
    "workplace",
    "launch",
    # On top of the domain apps: retention, consent withdrawal, subject copies, backups.
    "privacy",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Only for its static files: /api/v1/docs loads Swagger UI from this server, not a CDN.
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    *(f"vmeste.{app}" for app in DOMAIN_APPS),
    "vmeste.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vmeste.accounts.middleware.SessionLifetimeMiddleware",
    "vmeste.core.security.SecurityHeadersMiddleware",
    "vmeste.core.middleware.LanguageMiddleware",
    "vmeste.accounts.audit.AuditChannelMiddleware",
    # Unstorable text (NUL, lone surrogates) is refused before any view reads it.
    "vmeste.core.edge.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "vmeste.accounts.middleware.BearerTokenMiddleware",
    "vmeste.accounts.middleware.TwoFactorMiddleware",
    "vmeste.core.idempotency.IdempotencyMiddleware",
    "vmeste.core.edge.ServiceErrorPageMiddleware",
]

ROOT_URLCONF = "vmeste.urls"
ASGI_APPLICATION = "vmeste.asgi.application"
WSGI_APPLICATION = "vmeste.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vmeste.core.context_processors.workplace",
            ],
        },
    },
]


def _private_file(name: str) -> None:
    """The SQLite file readable by this account only (SQLite gives its -wal and -shm files
    the same mode): it holds everyone's personal data."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if os.stat(name).st_mode & 0o077:
            with contextlib.suppress(PermissionError):  # not ours: its owner decides
                os.chmod(name, 0o600)
    except FileNotFoundError:
        pass  # no such directory: SQLite will say so when it opens the database


def _database() -> dict:
    url = os.environ.get("VMESTE_DATABASE_URL", "")
    if not url:
        url = f"sqlite:///{DATA_DIR / 'vmeste.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        _private_file(str(config["NAME"]))
        # Kept between requests by each of the server's threads (60 s): opened anew for
        # every request, with its pragmas and functions, it cost a telephony event 2 ms.
        config["CONN_MAX_AGE"] = 60
        config["OPTIONS"] = {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
                " PRAGMA busy_timeout=20000;"
            ),
        }
        config["TEST"] = {"NAME": None}
    else:
        # A pool per server process: the ASGI server runs each request in a worker thread,
        # and persistent per-thread connections would pile up until PostgreSQL refuses more.
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("VMESTE_DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("VMESTE_DB_POOL_MAX", "20")),
            "timeout": 10,
        }
        # Parameters sent apart from the statement (psycopg's server-side binding): quoting
        # every value into the SQL text in Python cost as much as the database's answer
        # on the telephony path (p50 9.8 → 8.6 ms, p99 18 → 15 ms on the event bench).
        # Statements are not prepared: a prepared plan outlives a migration that changes
        # a table's columns, and a transaction-pooling proxy cannot keep them.
        if os.environ.get("VMESTE_DB_SERVER_BINDING", "1") != "0":
            config["OPTIONS"]["server_side_binding"] = True
            config["OPTIONS"]["prepare_threshold"] = None
        config["TEST"] = {"NAME": os.environ.get("VMESTE_TEST_DATABASE_NAME") or None}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (`vmeste worker`): Django's tasks framework, queued in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# The addresses of our own reverse proxies (IPs or CIDRs): only from them is X-Forwarded-For
# believed (vmeste/core/clientip.py). Empty: the socket peer is the client.
TRUSTED_PROXIES = _list("VMESTE_TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy, strict=False)  # a typo must stop the start, not open a hole

# Two-factor sign-in (TOTP + recovery codes, vmeste/accounts/twofactor.py) for the roles that
# see personal data or manage users; off by default only in the demo.
REQUIRE_2FA = _flag("VMESTE_REQUIRE_2FA", default=not DEMO)
OTP_TOTP_ISSUER = os.environ.get("VMESTE_2FA_ISSUER", "Vmeste")

AXES_FAILURE_LIMIT = int(os.environ.get("VMESTE_LOGIN_FAILURE_LIMIT", "5"))
# 15 minutes, doubling with each further round of failures (vmeste/accounts/lockout.py).
AXES_COOLOFF_TIME = "vmeste.accounts.lockout.cool_off"
# Per account and per address, each on its own: a new address per attempt does not reset
# the account's count, nor does a new account name reset the address's.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "vmeste.core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

LANGUAGE_CODE = os.environ.get("VMESTE_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("VMESTE_TIME_ZONE", "Europe/Moscow")
# Calls in the routing core: a call transferred to a named agent waits this long for them,
# then goes to its queue; a callback is retried after this many seconds, at most this many
# attempts, and only within these hours in the caller's region.
TRANSFER_AGENT_WAIT_SECONDS = int(os.environ.get("VMESTE_TRANSFER_AGENT_WAIT_SECONDS", "60"))
CALLBACK_RETRY_SECONDS = int(os.environ.get("VMESTE_CALLBACK_RETRY_SECONDS", "600"))
CALLBACK_ATTEMPTS = int(os.environ.get("VMESTE_CALLBACK_ATTEMPTS", "3"))
CALLBACK_HOURS = os.environ.get("VMESTE_CALLBACK_HOURS", "09:00-21:00")
# A ring given to an agent that no media node has reported on within this many seconds
# (a callback not yet dialling, a caller's ring neither answered nor rung out: the node
# rings for 20 s) is taken back (``contactcenter.ringwatch``); a callback whose caller is
# being dialled (the node rings them for 20 s too), after the second figure.
CALLBACK_PLACE_SECONDS = int(os.environ.get("VMESTE_CALLBACK_PLACE_SECONDS", "60"))
CALLBACK_DIAL_SECONDS = int(os.environ.get("VMESTE_CALLBACK_DIAL_SECONDS", "180"))
# An answered call whose media node has not been heard from for this many seconds (while
# another node was), or whose node's heartbeats have not listed it for the second figure,
# is ended by Vmeste (``contactcenter.nodewatch``): a node gone mid-conversation.
MEDIA_NODE_LOST_SECONDS = int(os.environ.get("VMESTE_MEDIA_NODE_LOST_SECONDS", "30"))
MEDIA_NODE_MISSING_SECONDS = int(os.environ.get("VMESTE_MEDIA_NODE_MISSING_SECONDS", "10"))
# When no node beats at all, ``vmeste worker`` (every 30 s) ends the answered calls of the
# nodes not heard from for this many seconds while it ran: longer, because nodes alive
# but cut off from a web server that is down are not heard either (``nodewatch.gone_long``).
MEDIA_NODE_ALL_GONE_SECONDS = int(os.environ.get("VMESTE_MEDIA_NODE_ALL_GONE_SECONDS", "300"))
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# The server serves its own static files (closed networks: no CDN, no separate web server).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A session ends after this long without a request, and in any case this long after sign-in
# (vmeste/accounts/middleware.py); the cookie itself lasts no longer than the latter.
SESSION_IDLE_SECONDS = int(os.environ.get("VMESTE_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_MAX_AGE_SECONDS = int(os.environ.get("VMESTE_SESSION_MAX_HOURS", "12")) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("VMESTE_SECURE_COOKIES", default=not (DEBUG or DEMO))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a reverse proxy that terminates TLS (and sets X-Forwarded-Proto itself, overwriting
# what the client sent): requests are HTTPS, plain HTTP is redirected, browsers are told to
# come back only over HTTPS (HSTS).
BEHIND_TLS_PROXY = _flag("VMESTE_BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the local health check speaks plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("VMESTE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("VMESTE_HSTS_SUBDOMAINS")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# How long an answer to a POST with an Idempotency-Key is kept for its retries.
IDEMPOTENCY_TTL_HOURS = int(os.environ.get("VMESTE_IDEMPOTENCY_TTL_HOURS", "24"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VMESTE_LOG_LEVEL", "WARNING")},
}
