"""The error-analysis view of `render`: items marked correct / spurious / missed against gold, in HTML and on screen."""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from jointie_allennlp.cli import main
from jointie_allennlp.data.html import STATUS_COLOURS

TOKENS = ["Anna", "works", "for", "Acme", "in", "Oslo", "."]
TEXT = "Anna works for Acme in Oslo."


def _entity(start, end, kind, char_start, char_end, score):
    return {"start": start, "end": end, "char_start": char_start, "char_end": char_end,
            "text": TEXT[char_start:char_end], "type": kind, "score": score}


def _records():
    # prediction: Anna/Peop correct, Acme/Loc spurious (gold says Org), Oslo/Loc correct but scored 0.3;
    # relations: Anna Work_For Acme(Loc) spurious (strict: the tail's type is wrong), Anna Live_In Oslo correct
    # gold: Anna Peop, Acme Org, Oslo Loc; Work_For(Anna, Acme) and Live_In(Anna, Oslo)
    flawed = {
        "id": "flawed", "text": TEXT, "tokens": TOKENS, "sentences": [[0, 7]],
        "entities": [_entity(0, 1, "Peop", 0, 4, 0.9), _entity(3, 4, "Loc", 15, 19, 0.8),
                     _entity(5, 6, "Loc", 23, 27, 0.3)],
        "relations": [{"head": 0, "tail": 1, "type": "Work_For", "score": 0.7},
                      {"head": 0, "tail": 2, "type": "Live_In", "score": 0.6}],
        "gold_entities": [{"start": 0, "end": 1, "type": "Peop"}, {"start": 3, "end": 4, "type": "Org"},
                          {"start": 5, "end": 6, "type": "Loc"}],
        "gold_relations": [{"head": 0, "tail": 1, "type": "Work_For"}, {"head": 0, "tail": 2, "type": "Live_In"}],
    }
    perfect = {
        "id": "perfect", "text": "Bob left.", "tokens": ["Bob", "left", "."], "sentences": [[0, 3]],
        "entities": [_entity(0, 1, "Peop", 0, 3, 0.95)], "relations": [],
        "gold_entities": [{"start": 0, "end": 1, "type": "Peop"}], "gold_relations": [],
    }
    return [flawed, perfect]


def _render(tmp_path, capsys, *options):
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    page = tmp_path / "view.html"
    assert main(["render", str(predictions), str(page), *options]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return page, page.read_text("utf-8"), result


class _MarkParser(HTMLParser):
    """(status, marked text, label) of every `<mark>`, nested ones included."""

    def __init__(self):
        super().__init__()
        self.stack, self.marks, self.in_label = [], [], False

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            self.stack.append([dict(attrs)["class"].split()[-1], "", ""])
        elif tag == "sub":
            self.in_label = True

    def handle_endtag(self, tag):
        if tag == "mark":
            status, text, label = self.stack.pop()
            self.marks.append((status, text, label))
        elif tag == "sub":
            self.in_label = False

    def handle_data(self, data):
        if self.in_label:
            self.stack[-1][2] += data
        else:
            for mark in self.stack:
                mark[1] += data


def _marks(fragment: str):
    parser = _MarkParser()
    parser.feed(fragment)
    return parser.marks


def _document(page: str, document_id: str) -> str:
    start = page.index(f'<div class="doc" id="{document_id}">')
    return page[start : page.index("</div>", start)]


def test_every_item_is_marked_against_gold(tmp_path, capsys):
    _, page, result = _render(tmp_path, capsys)
    assert result["with_gold"] == 2
    flawed = _document(page, "flawed")
    assert sorted(_marks(flawed)) == [  # the missed gold entity is gold-numbered (g1)
        ("correct", "Anna", "0:Peop 0.90"), ("correct", "Oslo", "2:Loc 0.30"),
        ("missed", "Acme", "g1:Org"), ("spurious", "Acme", "1:Loc 0.80"),
    ]
    rows = re.findall(r'<tr class="(\w+)"><td>\w+</td><td>([^<]*)</td><td>(\w+)</td><td>([^<]*)</td>', flawed)
    assert sorted(rows) == [
        ("correct", "0: Anna", "Live_In", "2: Oslo"),
        ("missed", "g0: Anna", "Work_For", "g1: Acme"),
        ("spurious", "0: Anna", "Work_For", "1: Acme"),
    ]
    assert re.search(r"entities: <span class=\"n-correct\">2 correct</span>, <span class=\"n-spurious\">1 spurious"
                     r"</span>, <span class=\"n-missed\">1 missed</span>; relations: <span class=\"n-correct\">1 "
                     r"correct</span>, <span class=\"n-spurious\">1 spurious</span>, <span class=\"n-missed\">1 missed",
                     flawed)
    legend = page[page.index('<div class="legend">'):]
    legend = legend[: legend.index("</div>")]
    assert all(f'<span class="key {s}">{s}</span>' in legend for s in STATUS_COLOURS)
    assert "3 correct" in legend and "over the 2 documents shown" in legend  # totals: 2 + 1 entities correct
    assert 'id="perfect"' in page


def test_score_threshold_and_errors_only(tmp_path, capsys):
    _, page, _ = _render(tmp_path, capsys, "--min-score", "0.5", "--errors-only")
    assert 'id="perfect"' not in page  # no error there
    flawed = _document(page, "flawed")
    # Oslo (0.3) is left out: the gold Oslo becomes missed, and so does Live_In (its relation)
    assert sorted(_marks(flawed)) == [
        ("correct", "Anna", "0:Peop 0.90"), ("missed", "Acme", "g1:Org"),
        ("missed", "Oslo", "g2:Loc"), ("spurious", "Acme", "1:Loc 0.80"),
    ]
    assert re.findall(r'<tr class="(\w+)">', flawed).count("missed") == 2
    assert "Filters: score ≥ 0.5, documents with errors only" in page


def test_gold_file_and_a_text_mismatch(tmp_path, capsys):
    # token input (no text): prediction and gold text are the tokens joined by spaces
    records = _records()
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "flawed", "tokens": TOKENS, "entities": records[0]["gold_entities"],
                                "relations": records[0]["gold_relations"]}) + "\n", encoding="utf-8")
    for record in records:
        del record["gold_entities"], record["gold_relations"], record["text"]
    predictions = tmp_path / "plain.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert main(["render", str(predictions), str(tmp_path / "v.html"), "--gold", str(gold)]) == 0
    page = (tmp_path / "v.html").read_text("utf-8")
    assert sorted(_marks(_document(page, "flawed"))) == [
        ("correct", "Anna", "0:Peop 0.90"), ("correct", "Oslo", "2:Loc 0.30"),
        ("missed", "Acme", "g1:Org"), ("spurious", "Acme", "1:Loc 0.80"),
    ]
    assert "no gold for this document" in _document(page, "perfect")
    gold.write_text(json.dumps({"id": "flawed", "tokens": ["Other", "text"], "entities": [], "relations": []}) + "\n",
                    encoding="utf-8")
    capsys.readouterr()
    assert main(["render", str(predictions), str(tmp_path / "v.html"), "--gold", str(gold)]) == 2
    assert "the output file exists: give --overwrite" in capsys.readouterr().err
    assert main(["render", str(predictions), str(tmp_path / "v.html"), "--gold", str(gold), "--overwrite"]) == 2
    assert "gold text differs" in capsys.readouterr().err
    assert (tmp_path / "v.html").read_text("utf-8") == page  # the failed run left the page as it was


def _rgb(colour: str):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def test_the_view_in_headless_chromium(tmp_path, capsys):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    image_module = pytest.importorskip("PIL.Image")
    page, _, _ = _render(tmp_path, capsys)
    screenshot = tmp_path / "view.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={screenshot}", "--window-size=1000,900",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    assert screenshot.exists() and screenshot.stat().st_size > 0
    image = image_module.open(screenshot).convert("RGB")
    assert image.size == (1000, 900)
    counts = {colour: count for count, colour in image.getcolors(maxcolors=1 << 20)}
    for status, colour in STATUS_COLOURS.items():
        # every status colour fills whole areas (marks, legend, table cells), not a few stray pixels
        assert counts.get(_rgb(colour), 0) > 200, f"{status} ({colour}) is not on the screenshot"
