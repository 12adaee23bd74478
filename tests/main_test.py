"""`python -m jointie_allennlp convert|score` and the `allennlp jointie` subcommand."""
import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jointie_allennlp.__main__ import main
from jointie_allennlp.data.formats.brat import read_brat_directory
from jointie_allennlp.data.formats.spert_json import TypeInventory, read_spert_json, read_types, write_types
from jointie_allennlp.data.tokenization import whitespace_segment
from tests.data.formats.spert_json_test import MALFORMED_ITEMS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


def test_score_command(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_dev.json"
    assert main(["score", str(gold), str(gold)]) == 0
    result = _last_json(capsys)
    assert result["ner_f1"] == 1.0 and result["rel_strict_f1"] == 1.0
    items = json.loads(gold.read_text("utf-8"))
    for item in items:
        item["relations"] = []
    predicted = tmp_path / "pred.json"
    predicted.write_text(json.dumps(items), encoding="utf-8")
    assert main(["score", str(gold), str(predicted)]) == 0
    result = _last_json(capsys)
    assert result["ner_f1"] == 1.0 and result["rel_strict_recall"] == 0.0


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


def test_allennlp_cli_lists_the_plugin():
    # `.allennlp_plugins` in the project root makes allennlp find the plugin and its subcommand.
    allennlp = Path(sys.executable).with_name("allennlp")
    help_run = subprocess.run(
        [str(allennlp), "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert "jointie" in help_run.stdout
    listing = subprocess.run(
        [str(allennlp), "jointie", "list", "--include-package", "jointie_allennlp"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    assert "Metric: joint_extraction" in listing.stdout
    assert "Predictor: joint_extraction" in listing.stdout
    for run in (help_run, listing):  # no NLTK download attempts (allennlp-models is not a dependency)
        assert "[nltk_data]" not in run.stderr and "[nltk_data]" not in run.stdout


def test_render_html_of_predictions(tmp_path, capsys):
    predictions = tmp_path / "pred.jsonl"
    record = {
        "id": "p<1>",
        "text": "Anna works for Acme.",
        "tokens": ["Anna", "works", "for", "Acme", "."],
        "sentences": [[0, 5]],
        "entities": [
            {"start": 0, "end": 1, "char_start": 0, "char_end": 4, "text": "Anna", "type": "Peop", "score": 0.9},
            {"start": 3, "end": 4, "char_start": 15, "char_end": 19, "text": "Acme", "type": "Org", "score": 0.8},
        ],
        "relations": [{"head": 0, "tail": 1, "type": "Work_For", "score": 0.7}],
    }
    failed = {"id": "bad", "text": "x", "entities": [], "relations": [], "error": "input line 2: boom"}
    predictions.write_text(json.dumps(record) + "\n" + json.dumps(failed) + "\n", encoding="utf-8")
    assert main(["render", str(predictions), str(tmp_path / "view.html")]) == 0
    assert _last_json(capsys)["documents"] == 2
    page = (tmp_path / "view.html").read_text("utf-8")
    assert "<h3>p&lt;1&gt;</h3>" in page
    assert '">Anna<sub>0:Peop 0.90</sub></mark> works for <mark' in page
    assert "<td>0: Anna</td><td>Work_For</td><td>1: Acme</td><td>0.70</td>" in page
    assert "input line 2: boom" in page


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
    assert main(convert) == 0  # the same types: kept
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


def test_missing_paths_and_bad_arguments_exit_2_with_a_message(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_dev.json"
    missing = tmp_path / "missing.json"
    source = fixtures_dir / "brat"
    cases = [
        (["score", str(missing), str(gold)], f"error: {missing}: no such file or directory"),
        (["score", str(gold), str(tmp_path / "nope")], f"error: {tmp_path / 'nope'}: no such file or directory"),
        (["render", str(missing), str(tmp_path / "v.html")], f"error: {missing}: no such file or directory"),
        (["render", str(gold), str(tmp_path / "no" / "v.html")],
         f"error: {tmp_path / 'no'}: the folder to write into does not exist"),
        (["split-brat", str(source), str(tmp_path / "s"), "--group-pattern", "("],
         "error: group pattern '(' is not a regular expression: missing ), unterminated subpattern"),
        (["convert", "--from", "brat", "--to", "spert-json", str(tmp_path / "none"), str(tmp_path / "o.json")],
         f"error: {tmp_path / 'none'}: not a directory of brat files"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error, (argv, error)
    assert not (tmp_path / "s").exists()


def test_split_brat_refuses_a_destination_that_is_not_empty(fixtures_dir, tmp_path, capsys):
    source, out = fixtures_dir / "brat", tmp_path / "split"
    assert main(["split-brat", str(source), str(out), "--dev-fraction", "0.5", "--seed", "1"]) == 0
    capsys.readouterr()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert main(["split-brat", str(source), str(out), "--dev-fraction", "0.5", "--seed", "2"]) == 2
    assert f"error: {out}: the destination is not an empty folder" in capsys.readouterr().err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # the first run is untouched


def test_score_matches_unnamed_spert_items_by_position(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_test.json"  # items with orig_id 301..304
    items = json.loads(gold.read_text("utf-8"))
    for item in items:
        del item["orig_id"]  # as SpERT's own prediction files
    items[0]["relations"] = items[0]["relations"][:1]  # OrgBased_In missed
    items[1]["entities"][1]["type"] = "Org"  # Frank Moss: wrong type, so Kill is wrong when strict
    items[2]["entities"], items[2]["relations"] = items[2]["entities"][:1], []  # Ecuador and Located_In missed
    items[3]["entities"] = [{"type": "Org", "start": 1, "end": 2}]  # spurious
    predicted = _write_json(tmp_path / "predictions.json", items)
    assert main(["score", str(gold), str(predicted)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert "documents matched by position" in captured.err
    assert (result["matched_by"], result["documents"], result["documents_without_prediction"]) == ("position", 4, 0)
    # entities: 8 predicted, 8 gold, 6 right; relations strict: 2 predicted, 4 gold, 1 right; boundaries: 2 right
    assert (result["ner_precision"], result["ner_recall"], result["ner_f1"]) == (0.75, 0.75, 0.75)
    assert (result["rel_strict_precision"], result["rel_strict_recall"]) == (0.5, 0.25)
    assert result["rel_strict_f1"] == pytest.approx(1 / 3)
    assert (result["rel_boundaries_precision"], result["rel_boundaries_recall"]) == (1.0, 0.5)
    assert result["rel_boundaries_f1"] == pytest.approx(2 / 3)
    # named on both sides: by id, whatever the order
    named = _write_json(tmp_path / "named.json", json.loads(gold.read_text())[::-1])
    assert main(["score", str(gold), str(named)]) == 0
    assert _last_json(capsys)["matched_by"] == "id"
    # unnamed but other tokens: refused, saying why
    items[2]["tokens"][0] = "Lima"
    assert main(["score", str(gold), str(_write_json(tmp_path / "other.json", items))]) == 2
    assert "cannot be matched by position: item 2 has other tokens" in capsys.readouterr().err
    assert main(["score", str(gold), str(_write_json(tmp_path / "short.json", items[:3]))]) == 2
    assert "cannot be matched by position: 3 predicted and 4 gold items" in capsys.readouterr().err


def test_score_refuses_duplicate_ids(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_test.json"
    items = json.loads(gold.read_text("utf-8"))
    items[1]["orig_id"] = items[0]["orig_id"]
    predicted = _write_json(tmp_path / "dup.json", items)
    assert main(["score", str(gold), str(predicted)]) == 2
    assert f"error: {predicted}: documents 0 and 1 have the same id '301'" in capsys.readouterr().err
