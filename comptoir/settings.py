"""The one settings module. Everything comes from the environment, with embedded defaults.

Embedded mode (no DATABASE_URL, no SECRET_KEY) runs on SQLite and local files in
COMPTOIR_DATA_DIR; production differs only by its environment.
"""

import os
import secrets
import tempfile
from pathlib import Path

import environ
from csp.constants import NONCE

from comptoir.core.mailers import mailer_from_url

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

# What the processes create (the SQLite database and its journal, the local outbox's .eml files, the
# demo logins, documents) is readable by its owner and group only, never by every account of the machine.
os.umask(0o027)
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
    "ninja",  # its Swagger UI and Redoc assets are served from here: they work offline and under the CSP
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "comptoir.core",
    "comptoir.jobs",
    "comptoir.accounts",
    "comptoir.firms",
    "comptoir.ged",
    "comptoir.invoices",
    "comptoir.partners",
    "comptoir.delivery",
    "comptoir.intake",
    "comptoir.docrequests",
    "comptoir.einvoicing",
    "comptoir.api",
    "comptoir.web",
    "comptoir.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "comptoir.web.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "comptoir.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "comptoir.web.middleware.SeenMarkMiddleware",
    "comptoir.web.middleware.TypographyMiddleware",
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
    # The test database is a file like production's, not Django's shared-cache in-memory default:
    # there, a worker thread and the test's own reads fail at once with "database schema is
    # locked" (shared-cache locks ignore busy_timeout) instead of waiting as real connections do.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(env.str("COMPTOIR_TEST_DB_DIR", default=tempfile.gettempdir()))
                                                 / f"comptoir-test-{os.getpid()}.sqlite3")}
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
# Behind the documented reverse proxy REMOTE_ADDR is the proxy for everyone: declare how many proxies
# append to X-Forwarded-For, and the client's address is read there (comptoir.accounts.client_ip).
COMPTOIR_TRUSTED_PROXY_COUNT = env.int("COMPTOIR_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "comptoir.accounts.client_ip.client_ip_address"
# One address failing this often (whatever the usernames) within the cool-off is refused for a while.
COMPTOIR_LOGIN_IP_FAILURE_LIMIT = env.int("COMPTOIR_LOGIN_IP_FAILURE_LIMIT", default=30)
# "Mot de passe oublié": requests per address and per account within an hour.
COMPTOIR_PASSWORD_RESET_IP_LIMIT = env.int("COMPTOIR_PASSWORD_RESET_IP_LIMIT", default=10)
COMPTOIR_PASSWORD_RESET_EMAIL_LIMIT = env.int("COMPTOIR_PASSWORD_RESET_EMAIL_LIMIT", default=3)
PASSWORD_RESET_TIMEOUT = 3600  # seconds a reset link stays valid
# Two-factor authentication (django-otp, TOTP): the name authenticator apps show, and how long
# "faire confiance à cet appareil" skips the code on one browser.
OTP_TOTP_ISSUER = env.str("COMPTOIR_OTP_ISSUER", default="Comptoir")
COMPTOIR_TWO_FACTOR_REMEMBER_DAYS = env.int("COMPTOIR_TWO_FACTOR_REMEMBER_DAYS", default=30)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS deployments: browsers keep to HTTPS for a year (SecurityMiddleware answers HSTS on secure
# requests; behind the proxy, SECURE_PROXY_SSL_HEADER says which ones are).
SECURE_HSTS_SECONDS = env.int("COMPTOIR_HSTS_SECONDS", default=365 * 86400) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
if SESSION_COOKIE_SECURE and COMPTOIR_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A strict Content-Security-Policy on every page (django-csp): scripts and styles from the portal
# only (the firm's colours are one nonced <style>), images also as data: URIs (the 2FA QR code),
# no plugins, no framing by other sites. Documents shown inline set their own, stricter one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
# One date/number format per language (comptoir/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["comptoir.formats"]
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
            # Signed download URLs (COMPTOIR_S3_DOWNLOAD_*) in SigV4, which every region and endpoint takes.
            "signature_version": "s3v4",
            # Downloads spool to a temporary file past this size instead of being held in memory.
            "max_memory_size": env.int("COMPTOIR_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "file_permissions_mode": 0o640},
    }
# On S3, downloads answer a redirect to a signed URL valid this long (seconds), after the tenant check;
# set COMPTOIR_S3_DOWNLOAD_REDIRECT=false when browsers cannot reach the endpoint (then the web streams).
COMPTOIR_S3_DOWNLOAD_REDIRECT = env.bool("COMPTOIR_S3_DOWNLOAD_REDIRECT", default=True)
COMPTOIR_S3_DOWNLOAD_EXPIRE_SECONDS = env.int("COMPTOIR_S3_DOWNLOAD_EXPIRE_SECONDS", default=60)
STORAGES = {
    "default": _default_storage,
    # Hashed names (app.3f9c….css) served with "max-age=315360000, public, immutable" by whitenoise;
    # `comptoir serve` and `comptoir web` collect them on start.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads larger than this go to a temporary file, never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
COMPTOIR_MAX_UPLOAD_BYTES = env.int("COMPTOIR_MAX_UPLOAD_BYTES", default=2 * 1024**3)
# Deposit channels (intake): the largest mail the listener takes (552 above), and a zip's expanded size.
COMPTOIR_MAIL_MAX_BYTES = env.int("COMPTOIR_MAIL_MAX_BYTES", default=50 * 1024**2)
COMPTOIR_ZIP_MAX_BYTES = env.int("COMPTOIR_ZIP_MAX_BYTES", default=2 * 1024**3)
# E-invoices read on deposit (comptoir.invoices): larger files, or embedded XML, are "not readable";
# the time budget is checked between the reading's steps.
COMPTOIR_INVOICE_READ_MAX_BYTES = env.int("COMPTOIR_INVOICE_READ_MAX_BYTES", default=20 * 1024**2)
COMPTOIR_INVOICE_XML_MAX_BYTES = env.int("COMPTOIR_INVOICE_XML_MAX_BYTES", default=5 * 1024**2)
COMPTOIR_INVOICE_READ_SECONDS = env.float("COMPTOIR_INVOICE_READ_SECONDS", default=2.0)

# Outgoing mail. In embedded mode `comptoir serve` starts a local sink and points EMAIL_URL at it.
# Django 6.1's MAILERS (comptoir.core.mailers): "default" for the portal's own mail, "delivery" for
# documents sent to partners (COMPTOIR_DELIVERY_EMAIL_URL when partners go through another relay).
_email_url = env.str("EMAIL_URL", default="smtp://127.0.0.1:8025")
_email_timeout = env.int("EMAIL_TIMEOUT", default=30)
MAILERS = {
    "default": mailer_from_url(env.email_url_config(_email_url), timeout=_email_timeout),
    "delivery": mailer_from_url(
        env.email_url_config(env.str("COMPTOIR_DELIVERY_EMAIL_URL", default=_email_url)), timeout=_email_timeout),
}
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
# Upflow's API (comptoir.partners, issue #15): the operator's base URL, version included (paths are
# appended; not subject to the webhook SSRF guard, it is not a firm's input); how often the payment
# status of pushed invoices is read back; the keys that encrypt API secrets at rest (comma-separated
# Fernet keys, the first encrypts, all decrypt: prepend a new key to rotate). Without keys, one is
# derived from SECRET_KEY (development only). `comptoir serve` runs the local fake Upflow when
# COMPTOIR_FAKE_UPFLOW (by default in embedded mode): it serves the demo's connections only, whose
# connection-level base URL the demo seed sets (never part of the API's ConnectionIn, so no firm can
# aim a connection at a private address). Every other connection goes to Upflow's public API, unless
# the operator asks for another URL explicitly with COMPTOIR_UPFLOW_API_URL.
COMPTOIR_FAKE_UPFLOW = env.bool("COMPTOIR_FAKE_UPFLOW", default=EMBEDDED and "COMPTOIR_UPFLOW_API_URL" not in env)
COMPTOIR_FAKE_UPFLOW_PORT = env.int("COMPTOIR_FAKE_UPFLOW_PORT", default=8040)
COMPTOIR_FAKE_UPFLOW_URL = f"http://127.0.0.1:{COMPTOIR_FAKE_UPFLOW_PORT}/v1/"
COMPTOIR_UPFLOW_API_URL = env.str("COMPTOIR_UPFLOW_API_URL", default="https://api.upflow.io/v1/")
COMPTOIR_UPFLOW_SYNC_SECONDS = max(1, env.int("COMPTOIR_UPFLOW_SYNC_SECONDS", default=900))
# Plateforme agréée (AFNOR XP Z12-013 Flow Service): the sync's period, the client's timeout, and the
# local fake PA of the demo (`comptoir fake-pa`; started by `serve` in embedded mode).
COMPTOIR_PA_SYNC_SECONDS = max(1, env.int("COMPTOIR_PA_SYNC_SECONDS", default=300))
COMPTOIR_PA_TIMEOUT_SECONDS = env.float("COMPTOIR_PA_TIMEOUT_SECONDS", default=30.0)
COMPTOIR_FAKE_PA = env.bool("COMPTOIR_FAKE_PA", default=EMBEDDED)
COMPTOIR_FAKE_PA_PORT = env.int("COMPTOIR_FAKE_PA_PORT", default=8041)
COMPTOIR_CREDENTIAL_KEYS = env.list("COMPTOIR_CREDENTIAL_KEYS", default=[])

TASKS = {
    "default": {
        "BACKEND": env.str("COMPTOIR_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Client lifecycle (comptoir.firms.siren_lookup): "" no SIREN lookup; "recherche-entreprises" the public
# API (network needed); or the dotted path of a provider class.
COMPTOIR_SIREN_LOOKUP = env.str("COMPTOIR_SIREN_LOOKUP", default="")
COMPTOIR_SIREN_LOOKUP_URL = env.str("COMPTOIR_SIREN_LOOKUP_URL", default="https://recherche-entreprises.api.gouv.fr")

# /healthz fails when the longest-waiting due delivery waited longer than this (0: never on lag).
COMPTOIR_HEALTH_MAX_LAG_SECONDS = env.int("COMPTOIR_HEALTH_MAX_LAG_SECONDS", default=900)
# An anonymous /healthz writes a storage probe at most this often per process (0: every call).
COMPTOIR_HEALTH_STORAGE_SECONDS = env.int("COMPTOIR_HEALTH_STORAGE_SECONDS", default=60)
# /metrics requires "Authorization: Bearer <token>"; without a token it is closed, unless opened on purpose.
COMPTOIR_METRICS_TOKEN = env.str("COMPTOIR_METRICS_TOKEN", default="")
COMPTOIR_METRICS_PUBLIC = env.bool("COMPTOIR_METRICS_PUBLIC", default=False)

# Prometheus samples of every process (web workers, delivery workers, mail-in) as memory-mapped files,
# summed by /metrics (comptoir.core.metrics). Set here, before anything imports prometheus_client; our
# own variable, so a child started with another data dir does not inherit its parent's folder.
METRICS_DIR = Path(env.str("COMPTOIR_METRICS_DIR", default=str(DATA_DIR / "metrics"))).resolve()
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

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
    # factur-x logs every flavour and level it detects at INFO: once per deposited invoice.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "factur-x": {"level": "WARNING"}},
}
