"""Every error of the till API has the protocol's shape, with a French message."""

from __future__ import annotations

import pytest

from cabas.protocol import ErrorBody
from tests.gestion.pos.conftest import API

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = ErrorBody.model_validate(response.json())
    assert body.error.code == code
    assert body.error.message


def test_a_validation_error_of_ninja_has_the_protocol_shape(world, client):
    response = client.post(API + "enroll", data={"code": 12}, content_type="application/json")
    assert_error(response, 400, "invalid")
    error = response.json()["error"]
    assert "name" in error["message"] and "champ obligatoire absent" in error["message"]
    assert error["details"]["errors"][0]["message"]


def test_a_body_that_is_not_json_is_invalid(world, client):
    response = client.post(API + "enroll", data="{not json", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_an_unknown_path_is_a_json_404(world, client):
    assert_error(client.get(API + "nope"), 404, "not_found")
    assert_error(client.get(API + "caisse/latest/extra"), 404, "not_found")


def test_a_wrong_method_has_the_protocol_shape(world, client):
    response = client.get(API + "enroll")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "invalid"


def test_a_too_large_body_is_413(world, till_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = till_a.post("cash-sessions", "x" * 5000)
    assert_error(response, 413, "payload_too_large")


def test_the_openapi_document_is_served(world, client):
    response = client.get(API + "openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["version"] == "1"
    paths = document["paths"]
    assert "/api/pos/v1/enroll" in paths
    assert "/api/pos/v1/cash-sessions" in paths


def test_a_nul_character_in_a_text_is_invalid_not_a_server_error(world, client, till_a):
    response = client.post(
        API + "enroll",
        data={"code": "ABCD-EFGH", "name": "Caisse\x00 1"},
        content_type="application/json",
    )
    assert_error(response, 400, "invalid")
    assert "caractère nul" in response.json()["error"]["message"]
