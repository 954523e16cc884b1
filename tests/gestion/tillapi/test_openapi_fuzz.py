"""The OpenAPI document of the till API, fuzzed with schemathesis: no input makes the server
answer 5xx, and every answer matches the document (status, content type, body).

Examples per operation: CABAS_FUZZ_EXAMPLES (default 25, for CI time); `CABAS_FUZZ_FULL=1` runs
the long variant (300).
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from cabas.gestion.tillapi.api import api
from cabas.gestion.wsgi import application
from tests.gestion.pos.conftest import enroll_till

EXAMPLES = (
    300
    if os.environ.get("CABAS_FUZZ_FULL") == "1"
    else int(os.environ.get("CABAS_FUZZ_EXAMPLES", "25"))
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():  # type: ignore[no-untyped-def]
    """Schemathesis calls the WSGI application directly, so Django's request signals would close
    the database connection around each call, as in production; inside a test's transaction
    that drops the test's data on PostgreSQL and MariaDB. Django's own test client disconnects
    the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world) -> str:  # type: ignore[no-untyped-def]
    return enroll_till(world.store_a).token


# The document the server serves at /api/pos/v1/openapi.json (test_api_errors checks that),
# loaded without a request so that collecting the tests needs no database.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/pos/v1/")))
)
schema.app = application


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_no_input_makes_the_api_fail_or_stray_from_its_document(case, token):  # type: ignore[no-untyped-def]
    # identity: the WSGI client does not decompress (gzip has its own test in test_snapshot).
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@settings(
    max_examples=max(5, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_without_a_token_every_call_but_enroll_is_refused_in_the_documented_shape(case):  # type: ignore[no-untyped-def]
    response = case.call_and_validate(checks=CHECKS)
    if case.operation.path != "/api/pos/v1/enroll":
        # 405 when schemathesis tries a method the call does not have.
        assert response.status_code in (401, 405)
