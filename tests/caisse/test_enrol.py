"""Joining a shop from the first-start window or `enroll` (`cabas.caisse.core.enrol`) against
the project's real server: the errors a volunteer can meet, in French."""

from __future__ import annotations

import socket

import pytest

from cabas.caisse.core.config import DataDir, load_config
from cabas.caisse.core.enrol import EnrolError, enrol

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def code(world, live_server, settings):
    from cabas.gestion.pos.services import enrollment_code_create

    settings.ALLOWED_HOSTS = ["*"]
    return enrollment_code_create(store=world.store_a).code


def test_a_code_typed_in_lower_case_with_spaces_joins_the_shop(tmp_path, live_server, code):
    data = DataDir(tmp_path / "till")
    typed = " " + code.lower().replace("-", " - ") + " "
    enrolled = enrol(data, server=live_server.url, code=typed, name="Caisse 1", key_store="file")
    assert enrolled.config.store.name == load_config(data).store.name
    assert enrolled.report.state == "online"


def test_a_code_used_twice_is_refused_with_the_servers_words(tmp_path, live_server, code):
    enrol(DataDir(tmp_path / "a"), server=live_server.url, code=code, key_store="file")
    with pytest.raises(EnrolError) as refused:
        enrol(DataDir(tmp_path / "b"), server=live_server.url, code=code, key_store="file")
    assert refused.value.kind == "refused"
    assert refused.value.message.startswith("Enrôlement refusé : ")
    assert load_config(DataDir(tmp_path / "b")) is None


def test_an_unreachable_server_suggests_the_proxy(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(EnrolError) as unreachable:
        enrol(DataDir(tmp_path / "a"), server=f"http://127.0.0.1:{port}", code="ABCD-EFGH-JKMN")
    assert unreachable.value.kind == "unreachable"
    assert "Serveur injoignable" in unreachable.value.message
    assert "proxy" in unreachable.value.message


def test_an_empty_code_or_a_plain_http_server_is_refused_before_any_request(tmp_path):
    with pytest.raises(EnrolError, match="Tapez le code"):
        enrol(DataDir(tmp_path / "a"), server="https://cabas.example.org", code="  ")
    with pytest.raises(EnrolError) as insecure:
        enrol(DataDir(tmp_path / "a"), server="http://cabas.example.org", code="ABCD")
    assert insecure.value.kind == "invalid"
