"""The one settings module. Everything comes from the environment, with embedded defaults.

Embedded mode (no DATABASE_URL, no SECRET_KEY) runs on SQLite and local files in
COMPTOIR_DATA_DIR; production differs only by its environment.
"""

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

DATA_DIR = Path(env.str("COMPTOIR_DATA_DIR", default="./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Embedded mode: no DATABASE_URL given, so everything lives in DATA_DIR on this machine.
EMBEDDED = "DATABASE_URL" not in env


def _secret_key() -> str:
    if "SECRET_KEY" in env:
        return env.str("SECRET_KEY")
    if not EMBEDDED:
        raise environ.ImproperlyConfigured("SECRET_KEY is required when DATABASE_URL is set")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("COMPTOIR_DEBUG", default=False)
BASE_URL = env.str("COMPTOIR_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[BASE_URL])
MAIL_DOMAIN = env.str("COMPTOIR_MAIL_DOMAIN", default="comptoir.localhost")
# The stable sender partners allow-list; the firm's display name goes in front of it.
SENDER_ADDRESS = env.str("COMPTOIR_SENDER_ADDRESS", default=f"envoi@{MAIL_DOMAIN}")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"Comptoir <{SENDER_ADDRESS}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "comptoir.core",
    "comptoir.jobs",
    "comptoir.accounts",
    "comptoir.firms",
    "comptoir.ged",
    "comptoir.partners",
    "comptoir.delivery",
    "comptoir.intake",
    "comptoir.docrequests",
    "comptoir.api",
    "comptoir.web",
    "comptoir.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "comptoir.web.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "comptoir.urls"
WSGI_APPLICATION = "comptoir.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comptoir.web.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'comptoir.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web, worker and mail-in processes read while one writes; IMMEDIATE avoids
        # the "database is locked" upgrade deadlock between concurrent writers.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: a few failures lock the (username, IP) pair for a while.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"

# Documents: the local data dir by default, S3-compatible object storage when a bucket is set.
S3_BUCKET = env.str("COMPTOIR_S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("COMPTOIR_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("COMPTOIR_S3_REGION", default="") or None,
            "access_key": env.str("COMPTOIR_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("COMPTOIR_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_expire": 300,
            # Downloads spool to a temporary file past this size instead of being held in memory.
            "max_memory_size": env.int("COMPTOIR_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "file_permissions_mode": 0o640},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads larger than this go to a temporary file, never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
COMPTOIR_MAX_UPLOAD_BYTES = env.int("COMPTOIR_MAX_UPLOAD_BYTES", default=2 * 1024**3)
# Deposit channels (intake): the largest mail the listener takes (552 above), and a zip's expanded size.
COMPTOIR_MAIL_MAX_BYTES = env.int("COMPTOIR_MAIL_MAX_BYTES", default=50 * 1024**2)
COMPTOIR_ZIP_MAX_BYTES = env.int("COMPTOIR_ZIP_MAX_BYTES", default=2 * 1024**3)

# Outgoing mail. In embedded mode `comptoir serve` starts a local sink and points EMAIL_URL at it.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:8025")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Delivery to partners (comptoir.delivery): a started send is someone else's after this lease;
# a live worker renews its leases every fifth of it (heartbeat), so a killed worker's sends are taken
# again within it; webhooks to private/loopback addresses are refused unless allowed (tests, on-premise).
COMPTOIR_DELIVERY_LEASE_SECONDS = env.int("COMPTOIR_DELIVERY_LEASE_SECONDS", default=10)
COMPTOIR_WEBHOOK_ALLOW_PRIVATE = env.bool("COMPTOIR_WEBHOOK_ALLOW_PRIVATE", default=False)
# The port `comptoir serve` runs the collection mailboxes' listener (mail-in) on, on loopback.
COMPTOIR_MAILIN_PORT = env.int("COMPTOIR_MAILIN_PORT", default=2525)
# Mail-in sender authentication (docs/intake.md): the authserv-id of the MTA whose Authentication-Results
# headers are believed (unset: none is), and whether Comptoir checks DKIM signatures itself.
COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID = env.str("COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID", default="")
COMPTOIR_MAILIN_VERIFY_DKIM = env.bool("COMPTOIR_MAILIN_VERIFY_DKIM", default=True)
# Phone capture: the largest photo, and set of photos per request, that is decoded (413 above).
COMPTOIR_PHONE_MAX_PIXELS = env.int("COMPTOIR_PHONE_MAX_PIXELS", default=25_000_000)
COMPTOIR_PHONE_MAX_TOTAL_PIXELS = env.int("COMPTOIR_PHONE_MAX_TOTAL_PIXELS", default=600_000_000)
# `comptoir serve` starts the local SMTP sink when no EMAIL_URL was given.
COMPTOIR_SMTP_SINK = env.bool("COMPTOIR_SMTP_SINK", default="EMAIL_URL" not in env)

TASKS = {
    "default": {
        "BACKEND": env.str("COMPTOIR_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# /healthz fails when the longest-waiting due delivery waited longer than this (0: never on lag).
COMPTOIR_HEALTH_MAX_LAG_SECONDS = env.int("COMPTOIR_HEALTH_MAX_LAG_SECONDS", default=900)
# When set, /metrics requires "Authorization: Bearer <token>".
COMPTOIR_METRICS_TOKEN = env.str("COMPTOIR_METRICS_TOKEN", default="")

LOG_JSON = env.bool("COMPTOIR_LOG_JSON", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "comptoir.core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_JSON else "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
