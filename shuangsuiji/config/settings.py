"""Settings, read from the environment. See README "Deployment" for the variables."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SHUANGSUIJI_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key" if DEBUG else None)
# Identity numbers are encrypted with a key of their own so a leaked SECRET_KEY alone
# (e.g. from a session cookie attack) does not reveal them.
FIELD_ENCRYPTION_KEY = env_str("SHUANGSUIJI_FIELD_KEY", SECRET_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'shuangsuiji.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes; a long timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "shuangsuiji.core",
    "shuangsuiji.accounts",
    "shuangsuiji.catalog",
    "shuangsuiji.entities",
    "shuangsuiji.inspectors",
    "shuangsuiji.imports",
    "shuangsuiji.plans",
    "shuangsuiji.draws",
    "shuangsuiji.workdays",
    "shuangsuiji.inspections",
    "shuangsuiji.publication",
    "shuangsuiji.credit",
    "shuangsuiji.portal",
    "shuangsuiji.oversight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shuangsuiji.core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shuangsuiji.config.urls"
WSGI_APPLICATION = "shuangsuiji.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shuangsuiji.accounts.context.navigation",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded files (imports, evidence) are never served directly: views check permissions.
PRIVATE_STORAGE_ROOT = DATA_DIR / "private"
# The site's public address (https://…), printed in the 扫码入企 QR codes; empty: the address
# the printing request came in on.
SHUANGSUIJI_PUBLIC_URL = env_str("SHUANGSUIJI_PUBLIC_URL", "")
# Evidence files (photos, PDFs) larger than this are refused.
SHUANGSUIJI_EVIDENCE_MAX_BYTES = int(env_str("SHUANGSUIJI_EVIDENCE_MAX_BYTES",
                                             str(20 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(DATA_DIR / "private")}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

TASKS = {"default": {"BACKEND": env_str("SHUANGSUIJI_TASK_BACKEND",
                                        "django_tasks_db.DatabaseBackend")}}

# Pools from this many candidates are frozen and drawn by the background worker (draws.jobs):
# past a web request's time limit otherwise.
SHUANGSUIJI_BACKGROUND_DRAW_FROM = env_int("SHUANGSUIJI_BACKGROUND_DRAW_FROM", 200_000)
# The written record of a draw with more targets in force is printed to PDF by the worker
# (about ten targets a page, a fifth of a second a page).
SHUANGSUIJI_PDF_AT_ONCE_MAX = env_int("SHUANGSUIJI_PDF_AT_ONCE_MAX", 300)

# Deadline lights, in working days left (workdays.deadlines): red when overdue or at most RED.
SHUANGSUIJI_DEADLINE_YELLOW_DAYS = env_int("SHUANGSUIJI_DEADLINE_YELLOW_DAYS", 5)
SHUANGSUIJI_DEADLINE_RED_DAYS = env_int("SHUANGSUIJI_DEADLINE_RED_DAYS", 1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "shuangsuiji API",
    "DESCRIPTION": "双随机、一公开: directories, item list, tasks, draws, results, public data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Several apps have a `kind` or a `status`: name each choice set after its class.
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "shuangsuiji.accounts.choices.DepartmentKind",
        "ItemKindEnum": "shuangsuiji.catalog.choices.ItemKind",
        "ImportKindEnum": "shuangsuiji.imports.choices.ImportKind",
        "ImportStatusEnum": "shuangsuiji.imports.choices.ImportStatus",
        "InspectorStatusEnum": "shuangsuiji.inspectors.choices.InspectorStatus",
        "InspectorRoleEnum": "shuangsuiji.inspectors.choices.InspectorRole",
        "RegStatusEnum": "shuangsuiji.entities.choices.RegStatus",
        "PlanStatusEnum": "shuangsuiji.plans.choices.PlanStatus",
        "ProposalStatusEnum": "shuangsuiji.plans.choices.ProposalStatus",
        "DepartmentRoleEnum": "shuangsuiji.plans.choices.DepartmentRole",
        "TaskStateEnum": "shuangsuiji.plans.choices.TaskState",
        "ReviewStateEnum": "shuangsuiji.inspections.choices.ReviewState",
        "FollowUpStateEnum": "shuangsuiji.inspections.choices.FollowUpState",
    },
}

# Production hardening; `manage.py check --deploy` passes when DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts and styles only from this
# server's static files, never inline, so injected markup cannot run or restyle a page. The
# API's Redoc page widens it for itself (config/urls.py).
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
    },
}
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_SECONDS", 8 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
