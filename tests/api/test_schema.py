"""The OpenAPI document: complete, valid, and the API behind it never answers 5xx.

schemathesis generates requests from /api/schema/ (valid and invalid bodies, odd query strings,
unknown ids) and sends them to the Django app in-process through WSGI, signed in as the office
with a token, against a database holding one object of each kind per organisation.
"""

import json
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import ApiWorld


@pytest.mark.django_db
def test_the_schema_builds_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "en", "--file",
                 str(out))
    text = out.read_text()
    for path in ("/api/v1/targets/{id}/changes/", "/api/v1/inspectors/{id}/status/",
                 "/api/v1/conflicts/{id}/revoke/", "/api/v1/audit/", "/api/v1/me/"):
        assert path in text


def test_the_docs_page_calls_nothing_outside_this_server(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in html
    assert "https://" not in html and "http://" not in html  # no fonts, no CDN
    # Directive order in the header is not fixed: compare directive by directive.
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["img-src"] == "'self' data:"  # Redoc's bundle may not fetch its logo
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"


@pytest.fixture
def office_token(api_world: ApiWorld) -> str:
    return Token.objects.create(user=api_world.user("office")).key


def _openapi_document() -> dict:
    # Built in-process, as /api/schema/ serves it; JSON round trip resolves lazy translations.
    generator = SchemaGenerator()
    with translation.override("en"):
        return json.loads(OpenApiJsonRenderer().render(generator.get_schema(public=True)))


schema = schemathesis.openapi.from_dict(_openapi_document())
schema.app = get_wsgi_application()


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    # Django closes the connection after each WSGI request; the test's transaction must stay
    # open across schemathesis's requests (Django's own test Client does the same).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=10, deadline=None, database=None, derandomize=True,
          phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_api_never_answers_with_a_server_error(case, office_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {office_token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance])
