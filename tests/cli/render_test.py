"""`jointie render`: an HTML view of prediction records, failed inputs shown with their error."""
import json

from jointie_allennlp.cli import main


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])

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


def test_render_a_predict_output_with_a_lone_surrogate_error_record_and_a_broken_line(tmp_path, capsys):
    from jointie_allennlp.data.schema import error_to_json
    from jointie_allennlp.predictors.lines import dump_record, parse_line

    record = parse_line(b'{"id": "s", "text": "bad \\ud800 text"}', 1)
    assert record.error  # what predict answers for such a line
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text(
        dump_record(error_to_json(dict(record), record.error, line=1))
        + '{"id": "t", "text": "x \\udfff", "entities": [], "relations": [], "error": "e"}\n'  # the escape itself
        + "{broken\n",
        encoding="utf-8",
    )
    page = tmp_path / "view.html"
    assert main(["render", str(predictions), str(page)]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["documents"] == 2 and summary["failed_inputs"] == 2
    assert summary["skipped"] == 1 and summary["skipped_lines"][0]["line"] == 3
    assert f"skipped 1 unreadable records ({predictions}: lines 3)" in captured.err
    html = page.read_text("utf-8")  # valid UTF-8
    assert "bad \ufffd text" in html and "lone surrogate" in html and "x \ufffd" in html
    assert main(["render", str(predictions), str(page)]) == 2  # an existing page needs --overwrite
    assert "give --overwrite" in capsys.readouterr().err
    assert main(["render", str(predictions), str(predictions), "--overwrite"]) == 2
    assert "the output is also an input" in capsys.readouterr().err
    assert predictions.read_text("utf-8").endswith("{broken\n")
