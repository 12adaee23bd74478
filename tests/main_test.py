"""`python -m jointie_allennlp convert|score` and the `allennlp jointie` subcommand."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from jointie_allennlp.__main__ import main
from jointie_allennlp.data.formats.brat import read_brat_directory
from jointie_allennlp.data.formats.spert_json import read_spert_json
from jointie_allennlp.data.tokenization import whitespace_segment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared" / "data"


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_brat_to_spert_and_back(fixtures_dir, tmp_path, capsys):
    source = fixtures_dir / "brat"
    assert main(["convert", "--from", "brat", "--to", "spert-json", str(source), str(tmp_path / "ru_train.json")]) == 0
    counts = _last_json(capsys)
    brat_documents = list(read_brat_directory(source))
    assert counts["documents_read"] == len(brat_documents)
    assert counts["entities"] == sum(len(d.entities) for d in brat_documents)
    assert counts["relations"] == sum(len(d.relations) for d in brat_documents)
    assert counts["documents"] == sum(len(d.sentences) for d in brat_documents)
    assert counts["skipped_unsupported_lines"] >= 3  # SpERT JSON cannot hold them: counted
    assert (tmp_path / "ru_types.json").exists()
    sentences = read_spert_json(tmp_path / "ru_train.json")
    assert [t for s in sentences for t in s.tokens] == [t for d in brat_documents for t in d.tokens]

    to_brat = ["convert", "--from", "spert-json", "--to", "brat"]
    assert main([*to_brat, str(tmp_path / "ru_train.json"), str(tmp_path / "brat")]) == 0
    back = _last_json(capsys)
    assert (back["entities"], back["relations"]) == (counts["entities"], counts["relations"])
    assert len(list((tmp_path / "brat").glob("*.ann"))) == counts["documents"]


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
    help_text = subprocess.run(
        [str(allennlp), "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "jointie" in help_text
    listing = subprocess.run(
        [str(allennlp), "jointie", "list", "--include-package", "jointie_allennlp"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert "Metric: joint_extraction" in listing
    assert "Predictor: joint_extraction" in listing


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
