from __future__ import annotations

import pytest

from cabas.protocol import ERROR_CODES, ERROR_HTTP_STATUS, ErrorBody, error_body


class TestErrorCodes:
    def test_every_code_has_a_french_message_and_an_http_status(self):
        assert set(ERROR_CODES) == set(ERROR_HTTP_STATUS)
        for code, message in ERROR_CODES.items():
            assert message.endswith(".") and message[0].isupper(), code
            assert 400 <= ERROR_HTTP_STATUS[code] < 600

    def test_the_codes_the_design_names_exist(self):
        for code in (
            "invalid",
            "id_conflict",
            "unauthorized",
            "not_found",
            "code_used",
            "code_expired",
            "too_many_tickets",
            "rate_limited",
        ):
            assert code in ERROR_CODES

    def test_the_error_body_has_the_protocol_shape(self):
        body = error_body("code_used").model_dump(mode="json")
        assert body == {
            "error": {
                "code": "code_used",
                "message": "Ce code d'enrôlement a déjà été utilisé.",
                "details": None,
            }
        }

    def test_a_message_and_details_can_be_given(self):
        body = error_body("invalid", "Nom manquant.", {"field": "name"})
        assert ErrorBody.model_validate_json(body.model_dump_json()) == body

    def test_an_unknown_code_is_a_programming_error(self):
        with pytest.raises(KeyError):
            error_body("oops")
