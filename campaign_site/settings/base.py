"""Settings shared by every environment. All configuration comes from environment variables.

Each variable is documented in the README's configuration table and in `.env.example`.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Europe/London"),
    LOG_LEVEL=(str, "INFO"),
    TRUSTED_PROXY_COUNT=(int, 0),
    PAGE_CACHE_SECONDS=(int, 60),
    DEFAULT_FROM_EMAIL=(str, "Better Together <hello@example.org>"),
    EMAIL_TIMEOUT=(int, 20),
    EMAIL_MAX_ATTEMPTS=(int, 8),
    EMAIL_RETENTION_DAYS=(int, 90),
)
# A local .env is optional; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
# The public address, in emails, share links and the Wagtail site (core.sites). Locally it
# follows the port the development server runs on.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")

INSTALLED_APPS = [
    # Our apps first so their templates override the libraries'.
    "core",
    "accounts",
    "mailings",
    "organisations",
    "pledges",
    "employers",
    "home",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.AnonymousPageCacheMiddleware",
    "core.routing.KeptSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SiteCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AdminMFARequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "campaign_site.urls"
WSGI_APPLICATION = "campaign_site.wsgi.application"

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
                "wagtail.contrib.settings.context_processors.settings",
                "core.context_processors.site_chrome",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, worker and beat share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis serves the cache (rate limits, counters, page cache) and, by default, the Celery broker.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bt"),
            "TIMEOUT": 300,
            # A slow or dead Redis must cost a request milliseconds, not seconds.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # The embedded default: a cache shared by every local process through the file system.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
            "TIMEOUT": 300,
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: email is the identifier and must be verified.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
# Employers may sign in with a code emailed to them instead of their password.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "request_login_code": "20/m/ip,3/m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Everyone who can use the admin must set up an authenticator app first (off by default locally).
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=False)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_PERMISSIONS = 0o644

# Email: every message goes through the mailings outbox; this is only the transport.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail:///var/mail")
if EMAIL_CONFIG.get("EMAIL_FILE_PATH") and not Path(EMAIL_CONFIG["EMAIL_FILE_PATH"]).is_absolute():
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = str(BASE_DIR / EMAIL_CONFIG["EMAIL_FILE_PATH"])
vars().update(EMAIL_CONFIG)
# An email service provider through django-anymail, for example
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend with ANYMAIL_POSTMARK_SERVER_TOKEN=...
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT")
EMAIL_MAX_ATTEMPTS = env("EMAIL_MAX_ATTEMPTS")
EMAIL_RETENTION_DAYS = env("EMAIL_RETENTION_DAYS")
EMAIL_SWEEP_GRACE_SECONDS = env.int("EMAIL_SWEEP_GRACE_SECONDS", default=30)
# Committed emails are handed to the worker by a background thread after this short wait, so
# emails committed together travel as one task (mailings/relay.py); 0 hands each over at commit.
OUTBOX_RELAY_SECONDS = env.float("OUTBOX_RELAY_SECONDS", default=0.05)
# A worker's claim on the emails it is sending: others leave them alone this long. Emails
# claimed by a task that was lost (not rerun) go out again once the claim runs out.
EMAIL_CLAIM_SECONDS = env.int("EMAIL_CLAIM_SECONDS", default=600)
# The provider's sending rate, in emails a second, kept by all workers together (e.g. 14 for a
# new Amazon SES account); 0 sends as fast as the workers go (mailings/pacing.py).
EMAIL_RATE_PER_SECOND = env.float("EMAIL_RATE_PER_SECOND", default=0)

# Celery: JSON only, late acks so a killed worker's task runs again, bounded time.
# The filesystem broker ignores the host; naming one keeps kombu from warning that none was given.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # The exchange tables too, or they land in whatever folder the worker started in.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    # kombu's Redis transport, keeping one client object per channel (see core/broker.py).
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        CELERY_BROKER_TRANSPORT = "core.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown we use, so Redis never re-delivers a task still waiting.
        "visibility_timeout": 3600,
        # Publishing from a web request gives up at once when Redis is down (the outbox sweep
        # sends the email later) instead of retrying for seconds while the visitor waits.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        "socket_connect_timeout": 1,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection drops, tasks in progress finish: they need only the database
# and SMTP, and cancelling one between handing an email over and recording it would send it
# twice. (Celery 6 will cancel by default, so this is said explicitly.)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection around every task unless this is set,
# so each task would pay for a new PostgreSQL connection. Connections are kept for this many
# tasks instead, and checked before each task as Django checks them before each request
# (campaign_site/celery.py).
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# Publishing a task must never hang a web request when the broker is down; the outbox
# sweep sends whatever could not be queued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False

# Wagtail
WAGTAIL_SITE_NAME = env("WAGTAIL_SITE_NAME", default="Better Together")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "INDEX_PREFIX": "bt_"},
}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "txt", "rtf", "csv", "xlsx", "ods", "pptx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Uploads must decode, not only look like an image (core/image_forms.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "core.image_forms.ImageForm"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = True
# Forgotten passwords are reset through allauth only (its rate limits, the outbox).
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: staff email addresses (hashed) would be sent to a third party on every admin page.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {
            "features": ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]
        },
    }
}

# Pledges: when reminders go out (local hour), how long unconfirmed pledges are kept, and how
# long personal data is kept before it is removed (the pledges themselves stay, for totals).
PLEDGE_REMINDER_HOUR = env.int("PLEDGE_REMINDER_HOUR", default=10)
PLEDGE_UNCONFIRMED_DAYS = env.int("PLEDGE_UNCONFIRMED_DAYS", default=7)
PLEDGE_RETENTION_DAYS = env.int("PLEDGE_RETENTION_DAYS", default=730)

# Organisations: how long an invitation to join one stays open, and how many invitation emails
# one person may send in a day.
ORGANISATION_INVITE_DAYS = env.int("ORGANISATION_INVITE_DAYS", default=7)
ORGANISATION_INVITES_PER_DAY = env.int("ORGANISATION_INVITES_PER_DAY", default=50)
# The workplace pledge: when check-ins and renewal reminders go out (local hour).
EMPLOYER_EMAIL_HOUR = env.int("EMPLOYER_EMAIL_HOUR", default=10)

# Pledge abuse controls (pledges/abuse.py): submissions per client IP and per email address in a
# window of seconds; a submission without solved proof of work (no JavaScript, or a bot) counts
# PLEDGE_LIMIT_NO_JS_WEIGHT times against the IP.
PLEDGE_LIMIT_PER_IP = env.int("PLEDGE_LIMIT_PER_IP", default=30)
PLEDGE_LIMIT_IP_SECONDS = env.int("PLEDGE_LIMIT_IP_SECONDS", default=600)
PLEDGE_LIMIT_PER_EMAIL = env.int("PLEDGE_LIMIT_PER_EMAIL", default=3)
PLEDGE_LIMIT_EMAIL_SECONDS = env.int("PLEDGE_LIMIT_EMAIL_SECONDS", default=3600)
PLEDGE_LIMIT_NO_JS_WEIGHT = env.int("PLEDGE_LIMIT_NO_JS_WEIGHT", default=3)
# Confirmation emails one address may get in a day, whoever typed it in (see pledges/abuse.py).
PLEDGE_CONFIRMATIONS_PER_EMAIL = env.int("PLEDGE_CONFIRMATIONS_PER_EMAIL", default=5)
# Proof of work for public forms (core/abuse.py): the difficulty in leading zero bits (each extra
# bit doubles it); challenges expire after PROOF_OF_WORK_SECONDS. 14 bits is about 16,000
# hashes: ~0.15 s in desktop Chromium, roughly 0.5 s on a mid-range phone. The PLEDGE_POW_*
# names of earlier releases are still read.
PROOF_OF_WORK_BITS = env.int("PROOF_OF_WORK_BITS", default=env.int("PLEDGE_POW_BITS", default=14))
PROOF_OF_WORK_SECONDS = env.int(
    "PROOF_OF_WORK_SECONDS", default=env.int("PLEDGE_POW_SECONDS", default=1800)
)

# How long anonymous visitors' pages are kept by our origin cache and by shared caches (CDNs).
PAGE_CACHE_SECONDS = env("PAGE_CACHE_SECONDS")

# Security headers. CSP is strict on the public site; the admin has its own policy (below).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The pledge form's proof of work runs in a Worker (static/js/pledge-pow-worker.js).
        "worker-src": ["'self'"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Wagtail's admin, under its own policy (core.middleware.SiteCSPMiddleware): what it needs to
# work, and no more. Checked screen by screen in headless Chromium (tests/browser/test_admin_csp.py).
# Wagtail 8 still starts its date pickers and choosers with inline scripts (also inside
# StreamField blocks, made in the browser), and its editor adds inline styles, so those two need
# 'unsafe-inline'; everything else stays on our own origin: nothing is loaded from, sent to or
# framed by another site, and there are no plugins.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Page previews, and the video blocks' players in them.
        "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        # Wagtail previews pages in an iframe of its own.
        "frame-ancestors": ["'self'"],
    },
}
# No page needs a camera, a microphone or to know where someone is.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactPersonalDataFilter"}},
    "formatters": {"line": {"()": "core.logging.OneLineFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL")},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": env("LOG_LEVEL"), "propagate": False},
        "celery": {"handlers": ["stdout"], "level": env("LOG_LEVEL"), "propagate": False},
        # One line per background index update is noise, not an event.
        "django_tasks": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}
