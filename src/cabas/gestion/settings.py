"""Settings of la gestion, every value read from the environment (see .env.example)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cabas.gestion.env import env_bool, env_choice, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env_str("CABAS_HOME", str(Path.cwd())))
VAR_DIR = Path(env_str("CABAS_VAR_DIR", str(BASE_DIR / "var")))

TESTING = "pytest" in sys.modules or env_bool("CABAS_TESTING", False)
CABAS_ENV = env_choice("CABAS_ENV", "development", {"development", "production"})
PRODUCTION = CABAS_ENV == "production"

DEBUG = env_bool("CABAS_DEBUG", not PRODUCTION and not TESTING)

_DEV_SECRET = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("CABAS_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("CABAS_SECRET_KEY must be set to a random value of 50+ characters")

ALLOWED_HOSTS = env_list("CABAS_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CABAS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cabas.gestion.accounts",
    "cabas.gestion.stores",
    "cabas.gestion.audit",
    "cabas.gestion.core",
    "cabas.gestion.catalog",
    "cabas.gestion.stock",
    "cabas.gestion.beneficiaries",
    "cabas.gestion.pos",
    "cabas.gestion.sales",
    "cabas.gestion.reports",
    "cabas.gestion.purchasing",
    "cabas.gestion.accompaniment",
    "cabas.gestion.admissions",
    "cabas.gestion.home",
    "cabas.gestion.tillapi",
    "cabas.gestion.accounts.admin_site.PlatformAdminConfig",  # the admin behind two factors
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cabas.gestion.tillapi.middleware.ApiErrorShapeMiddleware",
    "cabas.gestion.core.middleware.FrenchNotFoundMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cabas.gestion.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cabas.gestion.urls"
WSGI_APPLICATION = "cabas.gestion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cabas.gestion.stores.context_processors.navigation",
            ],
        },
    }
]

# Database: DATABASE_URL (dj-database-url syntax), else an SQLite file under var/.
_default_sqlite = f"sqlite:///{VAR_DIR / 'cabas.sqlite3'}"
if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or _default_sqlite, conn_max_age=env_int("CABAS_DB_CONN_MAX_AGE", 0)
    )
}
if env_str("DATABASE_REPLICA_URL"):
    # Reports read from it (cabas.gestion.core.routers.reporting_database), falling back to
    # the primary when it does not answer.
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("CABAS_DB_CONN_MAX_AGE", 0)
    )
elif TESTING:
    # Tests exercise the replica router against a mirror of the test database.
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}


def _tune(db: Any) -> None:
    engine = db["ENGINE"]
    options = db.setdefault("OPTIONS", {})
    if engine.endswith("sqlite3"):
        # WAL lets readers run beside the writer; synchronous=FULL makes each commit durable
        # (a sale acknowledged to a till must survive a power cut); IMMEDIATE takes the write
        # lock at BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;",
        )
    elif "mysql" in engine:
        options.setdefault("charset", "utf8mb4")
        options.setdefault("isolation_level", "read committed")
        options.setdefault("init_command", "SET sql_mode='STRICT_TRANS_TABLES'")
        db.setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})


for _db in DATABASES.values():
    _tune(_db)

DATABASE_ROUTERS = ["cabas.gestion.core.routers.ReplicaRouter"] if "replica" in DATABASES else []

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# models.W040: SQLite and MariaDB have no INCLUDE on an index; they build the ticket lines'
# covering index (a PostgreSQL speed-up of the statistics) as a plain (store, created_at) index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("CABAS_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing cost is not what the tests measure.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair waits AXES_COOLOFF_TIME; the person can still sign in from elsewhere and the
# lock lifts by itself, so an attacker cannot lock a real person out for good.
AXES_FAILURE_LIMIT = env_int("CABAS_AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("CABAS_AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Per address, whatever the username (a shop's team shares one address: these are generous):
# sign-in attempts, password-reset requests and till enrolments, each per window.
CABAS_THROTTLE_WINDOW_SECONDS = env_int("CABAS_THROTTLE_WINDOW_SECONDS", 600)
CABAS_THROTTLE_LOGINS_PER_IP = env_int("CABAS_THROTTLE_LOGINS_PER_IP", 60)
CABAS_THROTTLE_PASSWORD_RESETS_PER_IP = env_int("CABAS_THROTTLE_PASSWORD_RESETS_PER_IP", 10)
CABAS_THROTTLE_ENROLLMENTS_PER_IP = env_int("CABAS_THROTTLE_ENROLLMENTS_PER_IP", 20)
# Referrals sent through a partner's link, per address and per minute.
CABAS_THROTTLE_REFERRALS_PER_MINUTE = env_int("CABAS_THROTTLE_REFERRALS_PER_MINUTE", 20)
# The quarantine of refused payloads: the first bytes kept of each body (with the SHA-256 and
# size of the whole), rows kept per till (the oldest go first), days kept (`cabas
# purge_quarantine`), and invalid bodies a till may send per minute before `rate_limited`.
CABAS_QUARANTINE_KEEP_BYTES = env_int("CABAS_QUARANTINE_KEEP_BYTES", 65536)
CABAS_QUARANTINE_PER_DEVICE = env_int("CABAS_QUARANTINE_PER_DEVICE", 200)
CABAS_QUARANTINE_RETENTION_DAYS = env_int("CABAS_QUARANTINE_RETENTION_DAYS", 90)
CABAS_QUARANTINE_RATE_PER_MINUTE = env_int("CABAS_QUARANTINE_RATE_PER_MINUTE", 30)
# Back-pressure on POST tickets: at most this many batches stored at once by all the workers of
# the host (0: no limit); a batch that waits longer than CABAS_INTAKE_WAIT_SECONDS for a slot is
# answered 429 rate_limited with a Retry-After of about CABAS_INTAKE_RETRY_AFTER_SECONDS (the
# till adds its own jitter), and nothing of it is stored.
CABAS_INTAKE_SLOTS = env_int("CABAS_INTAKE_SLOTS", 4)
CABAS_INTAKE_WAIT_SECONDS = env_int("CABAS_INTAKE_WAIT_SECONDS", 5)
CABAS_INTAKE_RETRY_AFTER_SECONDS = env_int("CABAS_INTAKE_RETRY_AFTER_SECONDS", 15)
CABAS_INTAKE_SLOTS_DIR = Path(env_str("CABAS_INTAKE_SLOTS_DIR") or VAR_DIR / "intake-slots")
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("CABAS_PROXY_COUNT", 0)
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("CABAS_OTP_ISSUER", "Cabas")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CABAS_STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("CABAS_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if TESTING:
    STORAGES["default"] = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CABAS_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

EMAIL_BACKEND = env_str("CABAS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("CABAS_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CABAS_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("CABAS_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("CABAS_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("CABAS_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("CABAS_DEFAULT_FROM_EMAIL", "Cabas <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Appointment reminders by SMS: the dotted path of a provider (cabas.gestion.accompaniment.sms);
# empty, the server sends no SMS.
CABAS_SMS_BACKEND = env_str("CABAS_SMS_BACKEND", "")

SESSION_COOKIE_AGE = env_int("CABAS_SESSION_SECONDS", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Security: everything on in production (`cabas check --deploy` must be clean).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CABAS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CABAS_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CABAS_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("CABAS_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp): no inline script, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Durable background jobs (e-mails to suppliers, …): django-tasks with its database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CABAS_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # "Watching for file changes with StatReloader", in English, at each `make run`.
        "django.utils.autoreload": {"level": "WARNING"},
    },
}

CABAS_DEMO_PASSWORD = env_str("CABAS_DEMO_PASSWORD")

# Till packages: where `cabas build_caisse` writes them and the server finds them; the Ed25519
# release key that signs them at build time (base64 of the 32 raw private bytes; for the build
# machine, not the web server; outside production a key is generated into var/ when unset) and
# its public half, which the web server needs (docs/operations.md).
CABAS_CAISSE_DIST_DIR = Path(env_str("CABAS_CAISSE_DIST_DIR", str(BASE_DIR / "dist")))
CABAS_PACKAGE_SIGNING_KEY = env_str("CABAS_PACKAGE_SIGNING_KEY")
CABAS_PACKAGE_PUBLIC_KEY = env_str("CABAS_PACKAGE_PUBLIC_KEY")
# The address tills downloaded from the Caisse page will use (default: the address the page was
# opened at), e.g. https://cabas.example.org.
CABAS_PUBLIC_URL = env_str("CABAS_PUBLIC_URL")
# A snapshot cursor looks this many seconds back, so that a change committed by a transaction
# that started before the snapshot was read is not missed by the next delta.
CABAS_SNAPSHOT_CURSOR_MARGIN = env_int("CABAS_SNAPSHOT_CURSOR_MARGIN", 60)
# Snapshot answers are cached per shop, cursor and encoding in each worker's memory (see
# cabas.gestion.tillapi.snapshot_cache): 0 seconds turns the cache off.
CABAS_SNAPSHOT_CACHE_SECONDS = env_int("CABAS_SNAPSHOT_CACHE_SECONDS", 60)
CABAS_SNAPSHOT_CACHE_MAX_BYTES = env_int("CABAS_SNAPSHOT_CACHE_MAX_BYTES", 8 * 1024 * 1024)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "snapshots": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cabas-snapshots",
        "TIMEOUT": CABAS_SNAPSHOT_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": env_int("CABAS_SNAPSHOT_CACHE_ENTRIES", 16)},
    },
}

# Outside production, WhiteNoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
