"""Django settings, read from the environment (README "Configuration").

``SCORMLMS_DATA_DIR`` (default ``./data``) holds everything the app writes: the SQLite database
when ``DATABASE_URL`` is unset, imported packages, certificates, the generated secret key and
collected static files.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository root in a source checkout (src/scormlms/ → ../../); node_modules lives there.
PROJECT_DIR = PACKAGE_DIR.parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("SCORMLMS_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from ``SECRET_KEY``, else one generated once and kept in the data dir.

    Keeping it on disk lets several app processes (and restarts) share sessions and launch
    tokens without anyone having to invent a key.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        key = secrets.token_urlsafe(50)
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
# Retired keys, still accepted for what they signed (Django moves a session signed with one to
# the new key on its next request): README "Configuration".
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "scormlms.accounts",
    "scormlms.courses",
    "scormlms.tracking",
    "scormlms.player",
    "scormlms.dashboard",
]

MIDDLEWARE = [
    "scormlms.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "scormlms.accounts.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "scormlms.urls"
WSGI_APPLICATION = "scormlms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "scormlms.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        # No health check: it costs a round trip per request; a connection that broke is
        # dropped at the end of the request that found it, and the player retries.
        default=f"sqlite:///{_sqlite_path}",
        conn_max_age=60,
        conn_health_checks=False,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE transactions take the write lock
    # up front so two app processes queue on busy_timeout instead of failing to upgrade a lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel beside the SQL instead of being quoted into it (a commit carries ~14 KB
    # of JSON), and psycopg prepares a statement once it has run 5 times, so the hot paths skip
    # PostgreSQL's parse and plan (docs/BENCHMARKS.md, "Commit throughput").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=5,  # Django's default None never prepares
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's own sessions and auth (README "Configuration"). Sessions are database rows read
# through a cache: with ``REDIS_URL`` (production: several workers on several hosts) the cache is
# Redis, which every worker of every host shares; without it, a cache in the data dir, which every
# worker of this host shares. Never a per-process cache: a logout or a password change on one
# worker must hold on the next request to any other.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "scormlms.player.finders.ScormAgainFinder",
]
# Serve straight from the finders when collectstatic has not run (tests, a fresh checkout);
# `scormlms serve` collects first so production reads from STATIC_ROOT.
WHITENOISE_USE_FINDERS = True
SCORM_AGAIN_DIST = Path(
    os.environ.get(
        "SCORMLMS_SCORM_AGAIN_DIST", PROJECT_DIR / "node_modules" / "scorm-again" / "dist"
    )
)

MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The site's public address as learners reach it: certificates print their verification URL
# from it (the PDF is rendered without a request to take the host from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Certificate PDFs (README "Configuration"): the first family sets the text and covers Latin
# (Vietnamese too), Greek and Cyrillic; the next fills in the glyphs it lacks (Han, Kana,
# Hangul). "face" picks a font of a .ttc collection: 2 is Noto Sans CJK SC. Debian's
# fonts-noto-core and fonts-noto-cjk, installed by `make demo` and `make test`.
CERTIFICATE_FONTS: list[dict[str, str | int]] = [
    {
        "regular": "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "bold": "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    },
    {
        "regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "face": 2,
    },
]
# Packages: limits of the safe importer (issue 3), in bytes / files / ratio.
SCORMLMS_PACKAGE_DIR = DATA_DIR / "packages"
SCORMLMS_MAX_UPLOAD_BYTES = int(os.environ.get("SCORMLMS_MAX_UPLOAD_BYTES", 512 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
# SCOs run in a same-origin iframe of the player (SPEC §8); other origins may not frame us.
X_FRAME_OPTIONS = "SAMEORIGIN"
if _env_bool("SCORMLMS_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The JSON lines name no source file, thread or process, so log records skip finding them:
# the stack walk for the caller alone is a measurable part of a commit, which logs two lines
# (Python docs, Logging HOWTO, "Optimization").
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "scormlms.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "scormlms.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # fontTools narrates every font subset of a certificate PDF at INFO, ~100 lines a PDF.
        "fontTools": {"level": "WARNING"},
    },
}
