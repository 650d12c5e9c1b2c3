"""Settings, read from the environment. See README "Deployment" for the variables."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
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
# A PostgreSQL streaming replica of DATABASE_URL (postgres://…?connect_timeout=3): the public
# portal's and public API's GET requests read from it (config/db_router.py), everything else
# from the primary. Empty: everything reads the primary. A replica lagging more than
# SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS, or not answering, is passed over for the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS = env_int("SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS", 10)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    if not all("postgresql" in db["ENGINE"] for db in DATABASES.values()):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is a streaming replica of a PostgreSQL "
                                   "DATABASE_URL: both must be postgres:// addresses")
    # A replica that does not answer must not hold a public page for long (the portal then
    # reads the primary). The tests read the primary's test database through it.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["shuangsuiji.config.db_router.ReplicaRouter"]
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
    "axes",
    "django_prometheus",
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
    "shuangsuiji.enforcement",
    "shuangsuiji.publication",
    "shuangsuiji.credit",
    "shuangsuiji.portal",
    "shuangsuiji.oversight",
    "shuangsuiji.notices",
    "shuangsuiji.field",  # the inspector's offline phone app (PWA) and its sync API
    "shuangsuiji.exchange",  # data to the systems above (pushes, 监管行为数据) and licences in
    "shuangsuiji.entityportal",
    "shuangsuiji.ops",  # no models: backup and restore
    "shuangsuiji.demo",  # no models: the `demo` command, above every app it fills
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The public portal's GETs read from DATABASE_REPLICA_URL, when set (config/db_router.py).
    *(["shuangsuiji.config.db_router.ReplicaReadsMiddleware"] if DATABASE_REPLICA_URL else []),
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shuangsuiji.core.middleware.SessionTimeoutMiddleware",
    "shuangsuiji.core.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last: turns a sign-in refused by the lockout into the lockout page (accounts.lockout).
    "axes.middleware.AxesMiddleware",
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
                "shuangsuiji.notices.context.unread",
            ],
            # {% colon %} after a label, in every template without a load.
            "builtins": ["shuangsuiji.core.templatetags.labels"],
        },
    },
]

# The password policy (等保 2.0 三级, 身份鉴别), shown on every page where a password is set.
SHUANGSUIJI_PASSWORD_MIN_LENGTH = env_int("SHUANGSUIJI_PASSWORD_MIN_LENGTH", 12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["username", "full_name", "email"]}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": SHUANGSUIJI_PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "shuangsuiji.accounts.passwords.PatternValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "shuangsuiji.accounts.passwords.UserNameValidator"},
]

# Sign-in lockout (django-axes, attempts kept in the database): an account is locked after
# ACCOUNT failures in a row from anywhere, an address after ADDRESS failures whatever the
# user names, each for LOCKOUT_MINUTES after the last failure or until an administrator
# unlocks it (Administration → 登录锁定). Both are recorded in the audit log.
AUTHENTICATION_BACKENDS = [
    "shuangsuiji.accounts.lockout.LockoutBackend",
    "shuangsuiji.accounts.backends.UserBackend",
]
# 统一身份认证 (single sign-on): OpenID Connect's authorization code flow with the
# government's identity platform (mozilla-django-oidc; accounts/oidc.py maps the claims to a
# department and role by the administrator's rules). Off unless the issuer and client are set.
# Exactly as the ID tokens' `iss` (a trailing slash included, if the platform writes one).
SHUANGSUIJI_OIDC_ISSUER = env_str("SHUANGSUIJI_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("SHUANGSUIJI_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("SHUANGSUIJI_OIDC_CLIENT_SECRET", "")  # or _FILE
SHUANGSUIJI_OIDC = bool(SHUANGSUIJI_OIDC_ISSUER and OIDC_RP_CLIENT_ID)
if SHUANGSUIJI_OIDC:
    AUTHENTICATION_BACKENDS.append("shuangsuiji.accounts.oidc.ClaimRuleBackend")
# The provider's endpoints; one left empty is read from the issuer's
# /.well-known/openid-configuration at the first sign-in (accounts.oidc.endpoint).
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("SHUANGSUIJI_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("SHUANGSUIJI_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("SHUANGSUIJI_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("SHUANGSUIJI_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("SHUANGSUIJI_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("SHUANGSUIJI_OIDC_SCOPES", "openid profile email")
OIDC_USE_PKCE = env_bool("SHUANGSUIJI_OIDC_PKCE", True)
OIDC_TIMEOUT = env_int("SHUANGSUIJI_OIDC_TIMEOUT", 10)
OIDC_VERIFY_SSL = env_bool("SHUANGSUIJI_OIDC_VERIFY_TLS", True)
# Single sign-out (RP-initiated logout): signing out here also ends the session at the
# provider, at its end_session_endpoint (from discovery unless set here), with the ID token
# as id_token_hint and the sign-in page (https://<site>/login/, to be registered at the
# provider as the client's post-logout redirect URI) to come back to. A provider without one:
# the sign-out ends this platform's session only. 0: never ask the provider.
SHUANGSUIJI_OIDC_SINGLE_SIGN_OUT = env_bool("SHUANGSUIJI_OIDC_SINGLE_SIGN_OUT", True)
SHUANGSUIJI_OIDC_END_SESSION_ENDPOINT = env_str("SHUANGSUIJI_OIDC_END_SESSION_ENDPOINT", "")
# The ID token is kept in the (database) session, for the sign-out's hint only.
OIDC_STORE_ID_TOKEN = True
OIDC_CREATE_USER = True  # accounts.oidc decides, by the rules; never a bare account
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"  # accounts/urls.py
# 0: no sign-in by local password (the sign-in page offers only 统一身份认证, its form and the
# API token endpoint refuse passwords), except system administrators at /admin/login/ — the
# way in when the identity platform is down (README, "Single sign-on").
SHUANGSUIJI_LOCAL_PASSWORDS = env_bool("SHUANGSUIJI_LOCAL_PASSWORDS", True)
if not SHUANGSUIJI_LOCAL_PASSWORDS and not SHUANGSUIJI_OIDC:
    raise ImproperlyConfigured("SHUANGSUIJI_LOCAL_PASSWORDS=0 needs SHUANGSUIJI_OIDC_ISSUER "
                               "and SHUANGSUIJI_OIDC_CLIENT_ID: nobody could sign in")
SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT = env_int("SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT", 5)
SHUANGSUIJI_LOGIN_FAILURES_ADDRESS = env_int("SHUANGSUIJI_LOGIN_FAILURES_ADDRESS", 20)
SHUANGSUIJI_LOCKOUT_MINUTES = env_int("SHUANGSUIJI_LOCKOUT_MINUTES", 30)
# The entity's sign-in by one-time code (entityportal): codes sent per entity and per address
# in an hour, wrong codes before the entity (or the address) is locked out for
# SHUANGSUIJI_LOCKOUT_MINUTES, a code's life, and the longest entity sign-in.
SHUANGSUIJI_ENTITY_CODES_PER_HOUR = env_int("SHUANGSUIJI_ENTITY_CODES_PER_HOUR", 5)
SHUANGSUIJI_ENTITY_CODES_PER_ADDRESS = env_int("SHUANGSUIJI_ENTITY_CODES_PER_ADDRESS", 20)
# Codes looked up (the contacts listed, masked) per address in an hour: no walking the directory.
SHUANGSUIJI_ENTITY_LOOKUPS_PER_ADDRESS = env_int("SHUANGSUIJI_ENTITY_LOOKUPS_PER_ADDRESS", 30)
SHUANGSUIJI_ENTITY_CODE_FAILURES = env_int("SHUANGSUIJI_ENTITY_CODE_FAILURES", 5)
SHUANGSUIJI_ENTITY_CODE_FAILURES_ADDRESS = env_int("SHUANGSUIJI_ENTITY_CODE_FAILURES_ADDRESS", 20)
SHUANGSUIJI_ENTITY_CODE_MINUTES = env_int("SHUANGSUIJI_ENTITY_CODE_MINUTES", 10)
SHUANGSUIJI_ENTITY_SESSION_SECONDS = env_int("SHUANGSUIJI_ENTITY_SESSION_SECONDS", 2 * 3600)
# 信用修复 of a published result: the months it must have been public first
# (rules/credit_repair.py, 《市场监督管理信用修复管理办法》国市监信规〔2021〕3号).
SHUANGSUIJI_REPAIR_MIN_PUBLIC_MONTHS = env_int("SHUANGSUIJI_REPAIR_MIN_PUBLIC_MONTHS", 3)
AXES_HANDLER = "shuangsuiji.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT
AXES_COOLOFF_TIME = timedelta(minutes=SHUANGSUIJI_LOCKOUT_MINUTES)
AXES_LOCKOUT_CALLABLE = "shuangsuiji.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "shuangsuiji.core.client.client_address"
AXES_RESET_ON_SUCCESS = False  # the handler forgets only the user's own failures from there
AXES_ENABLE_ADMIN = False  # accounts.admin lists the lockouts and unlocks through a service
AXES_VERBOSE = False
# Reverse proxies in front of the application that append the client's address to
# X-Forwarded-For (1 behind nginx on the same machine). 0: the connection's own address.
# Lockouts and throttles count by this address: never trust the header from anyone else.
SHUANGSUIJI_PROXY_COUNT = env_int("SHUANGSUIJI_PROXY_COUNT", 0)

# The API's throttles count in the cache, which every gunicorn worker must share: the
# database cache on the embedded default (its table is made by `migrate`), Redis when
# SHUANGSUIJI_CACHE_URL names one (redis://127.0.0.1:6379/0).
SHUANGSUIJI_CACHE_URL = env_str("SHUANGSUIJI_CACHE_URL", "")
if SHUANGSUIJI_CACHE_URL and not SHUANGSUIJI_CACHE_URL.startswith(("redis://", "rediss://",
                                                                     "unix://")):
    raise ImproperlyConfigured("SHUANGSUIJI_CACHE_URL must be a redis:// address")
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache" if SHUANGSUIJI_CACHE_URL
    else "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": SHUANGSUIJI_CACHE_URL or "shuangsuiji_cache",
    # Several installations may share one Redis.
    "KEY_PREFIX": env_str("SHUANGSUIJI_CACHE_KEY_PREFIX", "shuangsuiji"),
    # The database cache culls a third of its rows past MAX_ENTRIES (300 by default), live
    # throttle slots too; expired rows go first, so this is never reached in practice.
    **({} if SHUANGSUIJI_CACHE_URL else {"OPTIONS": {"MAX_ENTRIES": 1_000_000}}),
}}

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
# The site's public address (https://…), printed in the 扫码入企 QR codes; empty: the address
# the printing request came in on.
SHUANGSUIJI_PUBLIC_URL = env_str("SHUANGSUIJI_PUBLIC_URL", "")
# Evidence files (photos, PDFs) larger than this are refused.
SHUANGSUIJI_EVIDENCE_MAX_BYTES = int(env_str("SHUANGSUIJI_EVIDENCE_MAX_BYTES",
                                             str(20 * 1024 * 1024)))
# How long a phone's field key (the offline app's sign-in, field.FieldSession) lasts: a day
# underground and the way back into signal. Revoked sooner by its user or the office.
SHUANGSUIJI_FIELD_SESSION_HOURS = env_int("SHUANGSUIJI_FIELD_SESSION_HOURS", 48)
# What one user's phones may send in files (photos, recordings, signatures) in a day: a full
# day of evidence, and a bound on what a stolen key can put on the server's disk.
SHUANGSUIJI_FIELD_UPLOAD_DAILY_BYTES = env_int("SHUANGSUIJI_FIELD_UPLOAD_DAILY_BYTES",
                                               2 * 1024**3)
# What an uploaded workbook may expand to (rules/xlsx_guard.py: zip bombs are refused).
SHUANGSUIJI_XLSX_MAX_BYTES = env_int("SHUANGSUIJI_XLSX_MAX_BYTES", 2 * 1024**3)
SHUANGSUIJI_XLSX_MAX_CELLS = env_int("SHUANGSUIJI_XLSX_MAX_CELLS", 50_000_000)
# An import checking or committing with no progress for this long was stopped (its worker
# killed): it is marked failed and its staged rows go (imports.services.expire_stuck_jobs).
SHUANGSUIJI_IMPORT_STUCK_MINUTES = env_int("SHUANGSUIJI_IMPORT_STUCK_MINUTES", 30)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Private files (evidence, signatures, import files, exports, draw record files) live where
# every node reaches them: a directory, shared between the machines when there are several (an
# NFS or similar mount: SHUANGSUIJI_PRIVATE_DIR), or an S3-compatible bucket when
# SHUANGSUIJI_S3_BUCKET is set (django-storages over boto3; the keys may come from *_FILE).
SHUANGSUIJI_PRIVATE_DIR = Path(env_str("SHUANGSUIJI_PRIVATE_DIR",
                                       str(DATA_DIR / "private"))).resolve()
SHUANGSUIJI_S3_BUCKET = env_str("SHUANGSUIJI_S3_BUCKET", "")
# This node's own cache of stored files that are read in place (a large draw's record file is
# mapped into memory): each copy is checked against the record's digest before it is used, and
# may be deleted at any time. Only used when the private files are in a bucket.
SHUANGSUIJI_LOCAL_CACHE_DIR = Path(env_str("SHUANGSUIJI_LOCAL_CACHE_DIR",
                                           str(DATA_DIR / "cache"))).resolve()
_PRIVATE_STORAGE: dict[str, Any] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(SHUANGSUIJI_PRIVATE_DIR)}}
if SHUANGSUIJI_S3_BUCKET:
    _PRIVATE_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": SHUANGSUIJI_S3_BUCKET,
        # Empty: Amazon's own; an object store of the organisation's: its https:// address.
        "endpoint_url": env_str("SHUANGSUIJI_S3_ENDPOINT", "") or None,
        "region_name": env_str("SHUANGSUIJI_S3_REGION", "") or None,
        "access_key": env_str("SHUANGSUIJI_S3_ACCESS_KEY", "") or None,
        "secret_key": env_str("SHUANGSUIJI_S3_SECRET_KEY", "") or None,
        # A prefix inside the bucket, for a bucket shared with other installations.
        "location": env_str("SHUANGSUIJI_S3_PREFIX", ""),
        "addressing_style": env_str("SHUANGSUIJI_S3_ADDRESSING", "path"),
        "signature_version": "s3v4",
        "default_acl": None,  # the bucket's own (private): nothing is ever public
        "file_overwrite": False,  # a name taken gets a suffix, as on the disk
        "querystring_auth": True,  # never handed out: the views stream every file
        "verify": env_bool("SHUANGSUIJI_S3_VERIFY_TLS", True),
    }}
STORAGES = {
    "default": _PRIVATE_STORAGE,
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

# Notices (notices app): the channels notices are written for (inbox: 站内信; email; sms;
# console: printed to the worker's log, the addresses masked, in place of e-mail and SMS).
SHUANGSUIJI_NOTICE_CHANNELS = env_list("SHUANGSUIJI_NOTICE_CHANNELS", ["inbox", "console"])
# A failed delivery is tried again after 1, 2, 4 … times this (at most an hour), up to
# MAX_ATTEMPTS tries; then it is shown failed, for the office to send again.
SHUANGSUIJI_NOTICE_RETRY_SECONDS = env_int("SHUANGSUIJI_NOTICE_RETRY_SECONDS", 60)
SHUANGSUIJI_NOTICE_MAX_ATTEMPTS = env_int("SHUANGSUIJI_NOTICE_MAX_ATTEMPTS", 5)
# A notice being sent for longer than this had its worker stop: marked failed, not resent.
SHUANGSUIJI_NOTICE_SENDING_TIMEOUT = env_int("SHUANGSUIJI_NOTICE_SENDING_TIMEOUT", 600)
# Reminders go this many working days before a deadline (`shuangsuiji notices remind`).
SHUANGSUIJI_NOTICE_REMIND_DAYS = env_int("SHUANGSUIJI_NOTICE_REMIND_DAYS", 3)
# Deliveries (exchange app, docs/data-exchange.md): each receiving system's address and its
# own HMAC key (SHUANGSUIJI_DELIVERY_<TARGET>_KEY, or _KEY_FILE for a container secret). A
# target without an address is not pushed to (its batch files are made by hand instead).
SHUANGSUIJI_DELIVERY_TARGETS = {
    target: {"url": env_str(f"SHUANGSUIJI_DELIVERY_{target.upper()}_URL", ""),
             "key": env_str(f"SHUANGSUIJI_DELIVERY_{target.upper()}_KEY", "")}
    for target in ("national", "city", "province")}
# Seconds to wait for a receiver's answer; then the push is tried again after 1, 2, 4 … times
# RETRY_SECONDS (at most an hour), up to MAX_ATTEMPTS tries, then shown failed.
SHUANGSUIJI_DELIVERY_TIMEOUT = env_int("SHUANGSUIJI_DELIVERY_TIMEOUT", 15)
SHUANGSUIJI_DELIVERY_RETRY_SECONDS = env_int("SHUANGSUIJI_DELIVERY_RETRY_SECONDS", 60)
SHUANGSUIJI_DELIVERY_MAX_ATTEMPTS = env_int("SHUANGSUIJI_DELIVERY_MAX_ATTEMPTS", 8)
# A push claimed for longer than this had its worker stop: it goes back to waiting (the
# receiver counts a delivery once by its idempotency key, so sending it again is safe).
SHUANGSUIJI_DELIVERY_SENDING_TIMEOUT = env_int("SHUANGSUIJI_DELIVERY_SENDING_TIMEOUT", 600)
# E-mail through Django's SMTP backend.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("SHUANGSUIJI_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("SHUANGSUIJI_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("SHUANGSUIJI_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("SHUANGSUIJI_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SHUANGSUIJI_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("SHUANGSUIJI_SMTP_SSL", False)
EMAIL_TIMEOUT = env_int("SHUANGSUIJI_SMTP_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("SHUANGSUIJI_MAIL_FROM", "noreply@localhost")
# SMS through a plain HTTP gateway (notices/channels.py HttpSmsGateway): its URL, the
# signature (短信签名) and template code it was given, and its bearer token if it wants one.
SHUANGSUIJI_SMS_URL = env_str("SHUANGSUIJI_SMS_URL", "")
SHUANGSUIJI_SMS_SIGNATURE = env_str("SHUANGSUIJI_SMS_SIGNATURE", "")
SHUANGSUIJI_SMS_TEMPLATE = env_str("SHUANGSUIJI_SMS_TEMPLATE", "")
SHUANGSUIJI_SMS_TOKEN = env_str("SHUANGSUIJI_SMS_TOKEN", "")
SHUANGSUIJI_SMS_TIMEOUT = env_int("SHUANGSUIJI_SMS_TIMEOUT", 10)

# Deadline lights, in working days left (workdays.deadlines): red when overdue or at most RED.
SHUANGSUIJI_DEADLINE_YELLOW_DAYS = env_int("SHUANGSUIJI_DEADLINE_YELLOW_DAYS", 5)
SHUANGSUIJI_DEADLINE_RED_DAYS = env_int("SHUANGSUIJI_DEADLINE_RED_DAYS", 1)

# Every audit anchor (SEQ:HASH, core.anchors) is also appended to this file, one line each,
# when set: put it outside the database, on write-once storage. Empty: the portal only.
SHUANGSUIJI_AUDIT_ANCHOR_FILE = env_str("SHUANGSUIJI_AUDIT_ANCHOR_FILE", "")

# 国密 (commercial cryptography, docs/crypto.md): SM3 for the audit chain, SM4-GCM for personal
# data at rest, SM2 signatures on what the portal publishes. Each value and each entry records
# its algorithm, so switching (either way) leaves old data readable and verifiable; run
# `shuangsuiji keys rotate` to re-encrypt what is stored. The draw keeps SHA-256 (its protocol).
SHUANGSUIJI_GUOMI = env_bool("SHUANGSUIJI_GUOMI", False)
SHUANGSUIJI_AUDIT_HASH = "sm3" if SHUANGSUIJI_GUOMI else "sha256"
SHUANGSUIJI_FIELD_CIPHER = "sm4gcm" if SHUANGSUIJI_GUOMI else "fernet"
# Keys personal data was encrypted with before SHUANGSUIJI_FIELD_KEY, one a line (or
# comma-separated): read, never written with; drop one once `keys rotate` has run.
SHUANGSUIJI_FIELD_OLD_KEYS = [key.strip() for key in
                              env_str("SHUANGSUIJI_FIELD_OLD_KEYS", "").replace(",", "\n")
                              .splitlines() if key.strip()]
# The office's SM2 private key (64 hexadecimal digits): signs draw records, audit anchors and
# export batches; `shuangsuiji keys generate` makes one. Empty: nothing is signed.
SHUANGSUIJI_SIGNING_KEY = env_str("SHUANGSUIJI_SIGNING_KEY", "")

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
    # Without it DRF counts by the whole X-Forwarded-For header, which a client sets at will.
    "NUM_PROXIES": SHUANGSUIJI_PROXY_COUNT,
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
        "VerificationEnum": "shuangsuiji.plans.choices.Verification",
        "ReviewStateEnum": "shuangsuiji.inspections.choices.ReviewState",
        "FollowUpStateEnum": "shuangsuiji.inspections.choices.FollowUpState",
    },
}

# Production hardening; `manage.py check --deploy` passes when DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer probes the nodes over plain HTTP, behind the proxy's TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
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

# A sign-in lasts at most SESSION_COOKIE_AGE from the moment it was made, and ends after
# SHUANGSUIJI_SESSION_IDLE_SECONDS without a request (core.middleware.SessionTimeoutMiddleware).
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_SECONDS", 8 * 3600)
SHUANGSUIJI_SESSION_IDLE_SECONDS = env_int("SHUANGSUIJI_SESSION_IDLE_SECONDS", 30 * 60)

# The scraper's token for /metrics (config/metrics.py); unset, there is no /metrics.
SHUANGSUIJI_METRICS_TOKEN = env_str("SHUANGSUIJI_METRICS_TOKEN", "")
LOG_FORMAT = env_str("SHUANGSUIJI_LOG_FORMAT", "text")  # "json": one JSON object a line
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "shuangsuiji.core.logging.ScrubPersonalData"}},
    "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                            "rename_fields": {"asctime": "time", "levelname": "level"}}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["personal_data"],
                             **({"formatter": "json"} if LOG_FORMAT == "json" else {})}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes logs every failed sign-in at INFO; lockouts are in the audit log.
    "loggers": {"axes": {"level": "WARNING"}},
}
