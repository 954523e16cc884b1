"""The till's command line: global options before or after the command, French help and
errors (argparse's own words too)."""

from __future__ import annotations

import pytest

from cabas.caisse.cli import main
from tests.caisse.fakes import enrolled_dir


def test_the_data_dir_is_accepted_after_the_command(tmp_path, capsys):
    enrolled_dir(tmp_path / "till")
    assert main(["status", "--data-dir", str(tmp_path / "till")]) == 0
    after = capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path / "till"), "status"]) == 0
    assert capsys.readouterr().out == after
    assert f"Dossier de données : {tmp_path / 'till'}" in after


def test_help_and_errors_are_in_french(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "utilisation : cabas-caisse" in text
    assert "afficher cette aide et quitter" in text
    assert "show this help" not in text and "usage:" not in text
    with pytest.raises(SystemExit) as exit_info:
        main(["enroll"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "erreur : arguments obligatoires manquants : --code" in error
    with pytest.raises(SystemExit):
        main(["configure", "--printer", "laser"])
    assert "choix invalide" in capsys.readouterr().err


def test_not_enrolled_without_a_window_says_how(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "empty"), "--no-start"]) == 1
    assert "rattachée à aucune épicerie" in capsys.readouterr().out
