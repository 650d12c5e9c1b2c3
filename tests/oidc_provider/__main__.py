"""Start the provider: migrate its database, add the client and the users, then serve.

Environment: PROVIDER_DB, PROVIDER_RSA_KEY (a PEM file), PROVIDER_ISSUER, PROVIDER_PORT,
PROVIDER_CLIENT (JSON: client_id, client_secret, redirect_uri, post_logout_redirect_uri),
PROVIDER_USERS (JSON list of username, password, name, email, org), PROVIDER_LOGOUT (0: no
RP-initiated logout)."""

import json
import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

call_command("migrate", verbosity=0)
client = json.loads(os.environ["PROVIDER_CLIENT"])
Application.objects.create(
    name="shuangsuiji", client_id=client["client_id"], client_secret=client["client_secret"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=client["redirect_uri"],
    post_logout_redirect_uris=client.get("post_logout_redirect_uri", ""),
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True)
for person in json.loads(os.environ["PROVIDER_USERS"]):
    User.objects.create_user(person["username"], person["email"], person["password"],
                             first_name=person["name"], last_name=person["org"])
call_command("runserver", f"127.0.0.1:{os.environ['PROVIDER_PORT']}", use_reloader=False,
             use_threading=True, skip_checks=True)
