"""Django settings, read from environment variables (XINYONG_*)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from xinyong.lib.env import envbool, envint, envsecret

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.getenv("XINYONG_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = envbool("XINYONG_DEBUG", "False")
SECRET_KEY = envsecret("XINYONG_SECRET_KEY", VAR_DIR, "secret_key")
# Key for the keyed hash and encryption of persons' ID numbers. Separate from SECRET_KEY so
# rotating sessions never makes stored ID numbers unreadable.
DATA_KEY = envsecret("XINYONG_DATA_KEY", VAR_DIR, "data_key")
# Seed of the Ed25519 key that signs issued credit reports (reports/signing.py).
REPORT_KEY = envsecret("XINYONG_REPORT_KEY", VAR_DIR, "report_key")

ALLOWED_HOSTS = [h.strip() for h in os.getenv("XINYONG_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.getenv("XINYONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_NAME = os.getenv("XINYONG_SITE_NAME", "公共信用信息平台")
SITE_ROOT = os.getenv("XINYONG_SITE_ROOT", "http://127.0.0.1:8000")
# The footer: operator (主办单位), contact (联系电话、地址), the ICP filing number (ICP备案号)
# and the public-security filing number (公安机关备案号), as registered. Unset: not shown.
SITE_OPERATOR = os.getenv("XINYONG_SITE_OPERATOR", "").strip()
SITE_CONTACT = os.getenv("XINYONG_SITE_CONTACT", "").strip()
SITE_ICP = os.getenv("XINYONG_SITE_ICP", "").strip()
SITE_PSB = os.getenv("XINYONG_SITE_PSB", "").strip()
# The provincial platform that takes the upward exchange's batches (HTTPS); unset: batches
# are cut and downloaded by the office, nothing is pushed.
XINYONG_UPSTREAM_URL = os.getenv("XINYONG_UPSTREAM_URL", "")
XINYONG_UPSTREAM_TOKEN = os.getenv("XINYONG_UPSTREAM_TOKEN", "")
XINYONG_UPSTREAM_TIMEOUT = float(os.getenv("XINYONG_UPSTREAM_TIMEOUT", "60"))
# Credit reports: the TrueType CJK font embedded (as a subset) in every PDF, and how many
# days a report is valid for its recipient (printed in its statement, shown on verification).
REPORT_FONT = os.getenv("XINYONG_REPORT_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
REPORT_VALID_DAYS = envint("XINYONG_REPORT_VALID_DAYS", "30")
# Self-service terminals (自助服务终端): how long a pickup code lives, and after how many
# idle seconds a terminal goes back to its start screen.
KIOSK_CODE_MINUTES = envint("XINYONG_KIOSK_CODE_MINUTES", "10")
KIOSK_IDLE_SECONDS = envint("XINYONG_KIOSK_IDLE_SECONDS", "60")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # Swagger UI from its own static files: no CDN on closed networks
    "django_tasks",
    "django_tasks_db",
    "xinyong.jobs",
    "xinyong.accounts",
    "xinyong.audit",
    "xinyong.subjects",
    "xinyong.policies",
    "xinyong.records",
    "xinyong.licences",
    "xinyong.disclosure",
    "xinyong.exchange",
    "xinyong.lists",
    "xinyong.checks",
    "xinyong.casework",
    "xinyong.repairs",
    "xinyong.objections",
    "xinyong.commitments",
    "xinyong.certificates",
    "xinyong.grants",
    "xinyong.financing",
    "xinyong.notices",
    "xinyong.reports",
    "xinyong.kiosk",
    "xinyong.scores",
    "xinyong.inspections",
    "xinyong.articles",
    "xinyong.dashboard",
    "xinyong.portal",
    "xinyong.front",
    "xinyong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xinyong.accounts.middleware.RequirePasswordChange",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "xinyong.lib.text.RefuseUnstorableText",
    "xinyong.lib.apierrors.JsonErrorsForApi",
]

ROOT_URLCONF = "xinyong.urls"
WSGI_APPLICATION = "xinyong.wsgi.application"

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
                "xinyong.front.context_processors.site",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("XINYONG_DATABASE_URL", f"sqlite:///{VAR_DIR / 'xinyong.sqlite3'}"),
        conn_max_age=envint("XINYONG_DB_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The password rules, in one place: `user create`, the office's user form and Django's
# `changepassword` all apply them (messages in Chinese: xinyong/accounts/validators.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "xinyong.accounts.validators.MinimumLengthValidator"},
    {"NAME": "xinyong.accounts.validators.CommonPasswordValidator"},
    {"NAME": "xinyong.accounts.validators.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["username", "display_name"]}},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that also refuses users of a deactivated member unit (sessions too).
    "xinyong.accounts.backends.UnitAwareBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Lock-out after repeated failed logins (django-axes): per user name and address.
AXES_FAILURE_LIMIT = envint("XINYONG_LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("XINYONG_LOGIN_COOLOFF_MINUTES", "15") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "username"]  # a user name may be an ID number
AXES_USERNAME_CALLABLE = "xinyong.accounts.auth.axes_username"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("XINYONG_SESSION_SECONDS", "28800")
SESSION_COOKIE_SECURE = envbool("XINYONG_SECURE_COOKIES", "False")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The form-expired page in Chinese, in the site's layout (Django's own is English).
CSRF_FAILURE_VIEW = "xinyong.front.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Static files are served from the package by whitenoise too, so `serve` works before
# collectstatic has run (closed networks: nothing comes from a CDN).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job whose owner has not beaten for this long is taken over (jobs/leases.py); a job
# or task cut off this many times is failed instead of retried again.
JOB_LEASE_SECONDS = envint("XINYONG_JOB_LEASE_SECONDS", "60")
JOB_MAX_ATTEMPTS = envint("XINYONG_JOB_MAX_ATTEMPTS", "5")
# PostgreSQL's work_mem for the nightly recompute of points and grades (scores.refresh): its
# aggregates over every record spill to disk at the server's default (4MB).
SCORES_WORK_MEM = os.getenv("XINYONG_SCORES_WORK_MEM", "256MB")
if not re.fullmatch(r"[1-9][0-9]{0,5}(kB|MB|GB)", SCORES_WORK_MEM):
    raise ImproperlyConfigured("XINYONG_SCORES_WORK_MEM：应为带单位的大小，如 256MB")

# Uploaded tables are read by a child process under these limits (lib/tabular.py).
UPLOAD_LIMITS = {
    "max_rows": envint("XINYONG_UPLOAD_MAX_ROWS", "20000000"),
    "max_columns": envint("XINYONG_UPLOAD_MAX_COLUMNS", "200"),
    "max_cells": envint("XINYONG_UPLOAD_MAX_CELLS", "30000000"),
    "max_xml_mb": envint("XINYONG_UPLOAD_MAX_XML_MB", "2048"),
    "memory_mb": envint("XINYONG_UPLOAD_MEMORY_MB", "3072"),
    "cpu_seconds": envint("XINYONG_UPLOAD_CPU_SECONDS", "600"),
}
# Uploaded files are readable by the platform's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Evidence attached to cases (repairs, objections ...) is deleted this many days after the case is decided.
EVIDENCE_RETENTION_DAYS = envint("XINYONG_EVIDENCE_RETENTION_DAYS", "1095")
DAILY_TASKS = [
    "xinyong.records.tasks.refresh_statuses_task",
    "xinyong.casework.tasks.purge_evidence_task",
    "xinyong.scores.tasks.nightly_refresh_task",
]

EMAIL_BACKEND = os.getenv(
    "XINYONG_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.getenv("XINYONG_FROM_EMAIL", "noreply@xinyong.local")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "xinyong.lib.logfilter.RedactIdNumbers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["pii"]},
    },
    "root": {"handlers": ["console"], "level": os.getenv("XINYONG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

TRUST_X_FORWARDED_FOR = envbool("XINYONG_TRUST_X_FORWARDED_FOR", "False")
