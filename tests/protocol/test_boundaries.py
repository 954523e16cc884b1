"""The protocol is imported by the till and the server alike: it must stand on its own."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
import textwrap

import pytest
from pydantic import BaseModel

import cabas.protocol as protocol
from cabas.protocol import API_PREFIX, PROTOCOL_VERSION

FORBIDDEN = ("django", "ninja", "cabas.gestion", "cabas.caisse", "tkinter", "cryptography")


def _models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(protocol).values()
        if inspect.isclass(value) and issubclass(value, BaseModel)
    ]


def test_the_version_and_prefix_are_those_of_protocol_v1():
    assert PROTOCOL_VERSION == 1
    assert API_PREFIX == "/api/pos/v1/"


def test_importing_the_protocol_pulls_in_neither_django_nor_the_till():
    code = textwrap.dedent(
        f"""
        import json, sys
        import cabas.protocol
        forbidden = {FORBIDDEN!r}
        print(json.dumps(sorted(m for m in sys.modules if m.startswith(forbidden))))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == []


def test_everything_exported_exists():
    for name in protocol.__all__:
        assert hasattr(protocol, name), name


@pytest.mark.parametrize("model", _models(), ids=lambda model: model.__name__)
def test_every_model_is_complete_and_has_a_json_schema(model):
    # `from __future__ import annotations` leaves annotations as strings that pydantic must
    # resolve: an unresolved one would only fail when first used.
    assert model.__pydantic_complete__
    assert model.model_json_schema()


def test_django_ninja_accepts_the_models_as_schemas():
    if importlib.util.find_spec("ninja") is None:
        pytest.skip("django-ninja is not installed (till-only install)")
    code = textwrap.dedent(
        """
        import django
        from django.conf import settings
        settings.configure(ROOT_URLCONF=__name__, INSTALLED_APPS=["ninja"], SECRET_KEY="test")
        django.setup()
        from django.urls import path
        from ninja import NinjaAPI
        from cabas import protocol as p

        api = NinjaAPI(urls_namespace="pos-test")

        @api.post("enroll", response={201: p.EnrollResponse, 400: p.ErrorBody})
        def enroll(request, body: p.EnrollRequest): ...

        @api.get("snapshot", response={200: p.Snapshot, 401: p.ErrorBody})
        def snapshot(request, since: str | None = None): ...

        @api.post("tickets", response={200: p.TicketBatchResult, 400: p.ErrorBody})
        def tickets(request, body: p.TicketBatch): ...

        @api.post("cash-sessions", response={200: p.CashSessionResult, 400: p.ErrorBody})
        def cash_sessions(request, body: p.CashSessionReport): ...

        @api.get("caisse/latest", response={200: p.LatestPackage, 404: p.ErrorBody})
        def latest(request): ...

        urlpatterns = [path("api/pos/v1/", api.urls)]
        print(sorted(api.get_openapi_schema()["paths"]))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "/api/pos/v1/tickets" in result.stdout


def _write_models() -> list[type[BaseModel]]:
    from cabas.protocol._base import WriteModel

    return [model for model in _models() if issubclass(model, WriteModel)]


def _integer_schemas(schema: dict, path: str = "") -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    found: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    if schema.get("type") == "integer":
        found.append((path, schema))
    for key, value in schema.items():
        if isinstance(value, dict):
            found += _integer_schemas(value, f"{path}/{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    found += _integer_schemas(item, f"{path}/{key}/{index}")
    return found


@pytest.mark.parametrize("model", _write_models(), ids=lambda model: model.__name__)
def test_every_integer_a_till_sends_fits_a_signed_64_bit_column(model):
    # An unbounded id once made `POST tickets` answer 500 for the whole batch (OverflowError
    # looking up 2**63): every integer of the wire format has bounds the columns hold.
    for path, schema in _integer_schemas(model.model_json_schema()):
        assert schema.get("minimum", -(2**64)) >= -(2**63), path
        assert schema.get("maximum", 2**64) <= 2**63 - 1, path


@pytest.mark.parametrize("model", _write_models(), ids=lambda model: model.__name__)
def test_every_text_a_till_sends_refuses_a_lone_surrogate_and_nul(model):
    from pydantic import ValidationError

    texts = [
        name
        for name, schema in model.model_json_schema().get("properties", {}).items()
        if schema.get("type") == "string"
        and "format" not in schema
        and "enum" not in schema
        or any(
            option.get("type") == "string" and "format" not in option and "enum" not in option
            for option in schema.get("anyOf", ())
        )
    ]
    for name in texts:
        for bad in ("a\ud800", "\udfffb", "a\x00"):
            with pytest.raises(ValidationError) as caught:
                model.model_validate({name: bad})
            assert any(error["loc"] == (name,) for error in caught.value.errors()), (name, bad)
