"""`jointie convert`: brat <-> SpERT JSON, counts, and clear errors for malformed input."""
import collections
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from jointie_allennlp.cli import main
from jointie_allennlp.data.formats.brat import read_brat_directory
from jointie_allennlp.data.formats.spert_json import TypeInventory, read_spert_json, read_types, write_types
from jointie_allennlp.data.tokenization import whitespace_segment
from tests.data.formats.spert_json_test import MALFORMED_ITEMS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# the shared data sets: $JOINTIE_DATA_DIR, else ../shared/data beside the project
SHARED = Path(os.environ.get("JOINTIE_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])

def _ann_lines(path: Path) -> collections.Counter:
    return collections.Counter(line.rstrip("\r") for line in path.read_text("utf-8").split("\n") if line.strip())

def assert_brat_round_trip_through_spert_json(source: Path, tmp_path: Path, capsys) -> dict:
    """brat -> SpERT JSON -> brat gives back every .txt byte for byte and every .ann line."""
    spert = tmp_path / "round_train.json"
    assert main(["convert", "--from", "brat", "--to", "spert-json", str(source), str(spert)]) == 0
    counts = _last_json(capsys)
    assert main(["convert", "--from", "spert-json", "--to", "brat", str(spert), str(tmp_path / "back")]) == 0
    back = _last_json(capsys)
    assert back["documents"] == counts["documents"] == counts["documents_read"]
    assert (back["entities"], back["relations"]) == (counts["entities"], counts["relations"])
    originals = sorted(p.stem for p in source.glob("*.txt"))
    assert sorted(p.stem for p in (tmp_path / "back").glob("*.txt")) == originals
    for stem in originals:
        assert (tmp_path / "back" / f"{stem}.txt").read_bytes() == (source / f"{stem}.txt").read_bytes(), stem
        assert _ann_lines(tmp_path / "back" / f"{stem}.ann") == _ann_lines(source / f"{stem}.ann"), stem
    return counts


def test_brat_to_spert_and_back(fixtures_dir, tmp_path, capsys):
    source = fixtures_dir / "brat"
    counts = assert_brat_round_trip_through_spert_json(source, tmp_path, capsys)
    brat_documents = list(read_brat_directory(source))
    assert counts["documents_read"] == len(brat_documents) == 2
    assert counts["entities"] == sum(len(d.entities) for d in brat_documents)
    assert counts["relations"] == sum(len(d.relations) for d in brat_documents)
    assert counts["items"] == sum(len(d.sentences) for d in brat_documents) == 7
    assert counts["unsupported_lines_in_extra_keys"] == 3  # doc2: a discontinuous entity, an attribute, a note
    assert counts["types_file_action"] == "written" and (tmp_path / "round_types.json").exists()
    # SpERT's view: one item per sentence, the tokens of the documents in order
    items = json.loads((tmp_path / "round_train.json").read_text("utf-8"))
    assert [t for i in items for t in i["tokens"]] == [t for d in brat_documents for t in d.tokens]
    assert [(i["document"], i["sentence"]) for i in items][:2] == [("doc1", 0), ("doc1", 1)]
    assert [d.id for d in read_spert_json(tmp_path / "round_train.json")] == ["doc1", "doc2"]


@pytest.mark.skipif(not (SHARED / "rurebus" / "train").is_dir(), reason="RuREBus train set not found")
def test_rurebus_train_round_trips_through_spert_json(tmp_path, capsys):
    counts = assert_brat_round_trip_through_spert_json(SHARED / "rurebus" / "train", tmp_path, capsys)
    assert (counts["documents"], counts["entities"], counts["relations"]) == (188, 54388, 12644)

def test_malformed_input_exits_2_naming_file_and_line(tmp_path, capsys):
    (tmp_path / "d.txt").write_text("Текст документа.", encoding="utf-8")
    (tmp_path / "d.ann").write_text("T1\tMET 0 5\tТекст\nR1\tNNG Arg1:T1 Arg2:T9\n", encoding="utf-8")
    assert main(["convert", "--from", "brat", "--to", "spert-json", str(tmp_path), str(tmp_path / "o.json")]) == 2
    assert f"{tmp_path / 'd.ann'}:2: relation R1 refers to unknown annotation 'T9'" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("[{]", encoding="utf-8")
    assert main(["convert", "--from", "spert-json", "--to", "brat", str(bad), str(tmp_path / "x")]) == 2
    assert f"{bad}:1: invalid JSON" in capsys.readouterr().err

@pytest.mark.skipif(not (SHARED / "rurebus").is_dir(), reason="shared data not beside the project")
def test_convert_real_data_both_ways(tmp_path, capsys):
    to_spert = ["convert", "--from", "brat", "--to", "spert-json"]
    assert main([*to_spert, str(SHARED / "rurebus" / "train"), str(tmp_path / "rurebus_train.json")]) == 0
    counts = _last_json(capsys)
    assert (counts["documents_read"], counts["entities"], counts["relations"]) == (188, 54388, 12644)
    assert counts["merged_sentences"] >= 1 and counts["split_tokens"] >= 1
    to_brat = ["convert", "--from", "spert-json", "--to", "brat"]
    assert main([*to_brat, str(SHARED / "conll04" / "conll04_test.json"), str(tmp_path / "conll")]) == 0
    counts = _last_json(capsys)
    assert (counts["documents"], counts["entities"], counts["relations"]) == (288, 1079, 422)
    back = list(read_brat_directory(tmp_path / "conll", segmenter=whitespace_segment))
    assert sum(len(d.entities) for d in back) == 1079

def _write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path

@pytest.mark.parametrize("item,message", MALFORMED_ITEMS)
def test_malformed_spert_json_exits_2_naming_file_and_item(tmp_path, capsys, item, message):
    source = _write_json(tmp_path / "bad.json", [{"tokens": ["ok"]}, item])
    assert main(["convert", "--from", "spert-json", "--to", "brat", str(source), str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {source}, document 'bad:1': ") and re.search(message, error)
    assert "Traceback" not in error and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "ids,message",
    [
        ([1, 1], "documents 0 ('1') and 1 ('1') both become 1.txt/.ann"),
        ([1, "1"], "documents 0 ('1') and 1 ('1') both become 1.txt/.ann"),
        (["a/b", "a_b"], "documents 0 ('a/b') and 1 ('a_b') both become a_b.txt/.ann"),
        (["x", ".hidden"], "document 1 id '.hidden' starts with '.' (a hidden file)"),
    ],
)
def test_convert_refuses_ids_that_would_overwrite_or_hide_files(tmp_path, capsys, ids, message):
    source = _write_json(tmp_path / "ids.json", [{"tokens": ["w", str(n)], "orig_id": i} for n, i in enumerate(ids)])
    assert main(["convert", "--from", "spert-json", "--to", "brat", str(source), str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert f"error: {source}: document ids that cannot each have their own brat files: {message}" in error
    assert "Nothing was written" in error and not (tmp_path / "out").exists()


def test_existing_types_file_is_kept_only_when_it_matches(fixtures_dir, tmp_path, capsys):
    source = fixtures_dir / "spert_json" / "conll04_like_dev.json"
    target = tmp_path / "mine_dev.json"
    convert = ["convert", "--from", "spert-json", "--to", "spert-json", str(source), str(target)]
    assert main(convert) == 0
    assert _last_json(capsys)["types_file_action"] == "written"
    written = read_types(tmp_path / "mine_types.json")
    assert main([*convert, "--overwrite"]) == 0  # the same types: kept
    assert _last_json(capsys)["types_file_action"] == "kept"
    target.unlink()
    write_types(tmp_path / "mine_types.json", TypeInventory(["Peop"], written.relation_types), overwrite=True)
    assert main(convert) == 2
    error = capsys.readouterr().err
    assert f"error: {tmp_path / 'mine_types.json'}: the existing types file does not match the converted data: " \
           "lacks the entity types ['Loc', 'Org']" in error
    assert not target.exists()  # nothing written
    symmetric = frozenset(written.relation_types[:1])
    write_types(tmp_path / "mine_types.json", TypeInventory(written.entity_types, written.relation_types, symmetric),
                overwrite=True)
    assert main(convert) == 2
    assert f"marks {sorted(symmetric)} symmetric differently from the data" in capsys.readouterr().err


def test_the_default_tokenizer_follows_the_language(fixtures_dir, tmp_path, capsys):
    english = tmp_path / "english"
    english.mkdir()
    (english / "e1.txt").write_text("Mr. Smith didn't go to Boston.", encoding="utf-8")
    (english / "e1.ann").write_text("T1\tPeop 0 9\tMr. Smith\nT2\tLoc 23 29\tBoston\n", encoding="utf-8")
    tokens = {}
    for name, options in (("auto", []), ("razdel", ["--tokenizer", "razdel"])):
        target = tmp_path / name / "e_train.json"
        assert main(["convert", "--from", "brat", "--to", "spert-json", *options, str(english), str(target)]) == 0
        capsys.readouterr()
        (item,) = json.loads(target.read_text("utf-8"))
        tokens[name] = item["tokens"]
        assert [item["tokens"][e["start"]:e["end"]] for e in item["entities"]][-1] == ["Boston"]
    if importlib.util.find_spec("spacy"):  # English: spaCy's English rules
        assert tokens["auto"] == ["Mr.", "Smith", "did", "n't", "go", "to", "Boston", "."]
    else:
        assert tokens["auto"] == tokens["razdel"]
    assert tokens["razdel"] == ["Mr", ".", "Smith", "didn", "'", "t", "go", "to", "Boston", "."]
    # Russian (the brat fixtures): razdel, as `--tokenizer razdel` gives
    for name, options in (("ru_auto", []), ("ru_razdel", ["--tokenizer", "razdel"])):
        assert main(["convert", "--from", "brat", "--to", "spert-json", *options, str(fixtures_dir / "brat"),
                     str(tmp_path / name / "r_train.json")]) == 0
    auto, razdel = (tmp_path / name / "r_train.json" for name in ("ru_auto", "ru_razdel"))
    assert auto.read_bytes() == razdel.read_bytes()


def test_convert_onto_an_existing_output_is_refused_then_replaced_with_overwrite(fixtures_dir, tmp_path, capsys):
    source = fixtures_dir / "brat"
    target = tmp_path / "mine_train.json"
    target.write_text("[]", encoding="utf-8")
    to_spert = ["convert", "--from", "brat", "--to", "spert-json", str(source), str(target)]
    assert main(to_spert) == 2
    assert f"error: {target}: the output file exists: give --overwrite" in capsys.readouterr().err
    assert target.read_text("utf-8") == "[]" and not (tmp_path / "mine_types.json").exists()
    assert main([*to_spert, "--overwrite"]) == 0
    assert _last_json(capsys)["documents"] == 2 and len(json.loads(target.read_text("utf-8"))) == 7

    brat = tmp_path / "brat_out"
    brat.mkdir()
    (brat / "old.txt").write_text("kept", encoding="utf-8")
    to_brat = ["convert", "--from", "spert-json", "--to", "brat", str(target), str(brat)]
    assert main(to_brat) == 2
    assert f"error: {brat}: the output directory exists and is not empty: give --overwrite" in capsys.readouterr().err
    assert sorted(p.name for p in brat.iterdir()) == ["old.txt"]
    assert main([*to_brat, "--overwrite"]) == 0
    assert _last_json(capsys)["documents"] == 2
    assert sorted(p.name for p in brat.iterdir()) == ["doc1.ann", "doc1.txt", "doc2.ann", "doc2.txt"]


def test_a_mistyped_input_or_the_input_as_output_leaves_everything_alone(fixtures_dir, tmp_path, capsys):
    target = tmp_path / "mine_train.json"
    target.write_text("[]", encoding="utf-8")
    typo = tmp_path / "brta"
    argv = ["convert", "--from", "brat", "--to", "spert-json", str(typo), str(target), "--overwrite"]
    assert main(argv) == 2
    assert f"error: {typo}: not a directory of brat files" in capsys.readouterr().err
    assert target.read_text("utf-8") == "[]"
    assert main(["convert", "--from", "spert-json", "--to", "spert-json", str(target), str(target), "--overwrite"]) == 2
    assert "the output is also an input" in capsys.readouterr().err
    assert target.read_text("utf-8") == "[]"


def test_a_document_id_that_is_no_file_name_is_reported_renamed(tmp_path, capsys):
    source = _write_json(tmp_path / "ids.json", [{"tokens": ["w", str(n)], "orig_id": i, "entities": [],
                                                  "relations": []} for n, i in enumerate(["a/b", "plain"])])
    assert main(["convert", "--from", "spert-json", "--to", "brat", str(source), str(tmp_path / "out")]) == 0
    counts = _last_json(capsys)
    assert counts["renamed"] == ["a/b -> a_b"] and counts["documents"] == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a_b.ann", "a_b.txt", "plain.ann", "plain.txt"]
