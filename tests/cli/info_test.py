import argparse
import json

from jointie_allennlp.cli import info
from jointie_allennlp.model_card import card_text, read_card


def _info(argv):
    parser = argparse.ArgumentParser(prog="jointie info")
    info.add_arguments(parser)
    return info.run(parser.parse_args(argv))


def test_info_prints_the_card_of_an_archive(brat_run, capsys):
    archive = brat_run.out / "model.tar.gz"
    (brat_run.out / "README.md").rename(brat_run.out / "README.moved")  # the archive's copy is what is read
    try:
        assert _info([str(archive)]) == 0
    finally:
        (brat_run.out / "README.moved").rename(brat_run.out / "README.md")
    printed = capsys.readouterr().out
    assert printed == card_text(read_card(archive))
    assert printed.startswith("# spert model\n") and "- symmetric relation types: NNG" in printed
    assert f"| test | {brat_run.test} |" in printed
    assert _info([str(brat_run.out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == read_card(archive)


def test_info_without_a_card_is_an_error_naming_the_path(tmp_path, capsys):
    assert _info([str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"jointie info: error: {tmp_path}: no model_card.json (nor model.tar.gz holding one) in this directory\n"
    )
