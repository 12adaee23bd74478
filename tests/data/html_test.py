from jointie_allennlp.data.document import Document, Entity
from jointie_allennlp.data.html import render_html


def test_nested_entities_are_properly_nested():
    document = Document.from_tokens(
        "d", ["University", "of", "Texas", "&", "A"],
        entities=[Entity(0, 3, "Org"), Entity(2, 3, "Loc")],
    )
    page = render_html([document])
    body = page[page.index("<p>"):page.index("</p>")]
    assert body.index("University") < body.index("Texas<sub>1:Loc</sub></mark>") < body.index("<sub>0:Org</sub></mark>")
    assert body.count("<mark") == 2 and "&amp; A" in body


def test_render_file_survives_a_surrogate_error_record_and_bad_lines(tmp_path):
    import json as _json

    import pytest as _pytest

    from jointie_allennlp.data.html import render_file
    from jointie_allennlp.data.output import OutputError

    source = tmp_path / "predictions.jsonl"
    good = {"id": "a", "text": "Anna met Boris.", "tokens": ["Anna", "met", "Boris", "."], "sentences": [[0, 4]],
            "entities": [{"start": 0, "end": 1, "char_start": 0, "char_end": 4, "text": "Anna", "type": "PER"}],
            "relations": []}
    source.write_text(
        '{"id": null, "input": "{\\"text\\": \\"x \\\\ud800\\"}", "input_line": 1, "entities": [], "relations": [], '
        '"error": "input line 1: field \\"text\\" has a lone surrogate \\\\ud800"}\n'
        '{"id": "s", "text": "lone \\ud800", "entities": [], "relations": [], "error": "e"}\n'
        "not json\n" + _json.dumps(good) + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "view.html"
    result = render_file(str(source), str(target))
    page = target.read_text("utf-8")
    assert result["documents"] == 3 and result["failed_inputs"] == 2
    assert result["skipped"] == 1 and result["skipped_lines"][0]["line"] == 3
    assert "lone \ufffd" in page and "Anna" in page and page.rstrip().endswith("</html>")
    with _pytest.raises(OutputError, match="the output file exists"):
        render_file(str(source), str(target))
    with _pytest.raises(OutputError, match="the output is also an input"):
        render_file(str(source), str(source), overwrite=True)
    assert render_file(str(source), str(target), overwrite=True)["documents"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.jsonl", "view.html"]
