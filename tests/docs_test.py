"""The README and docs/: short front door, working relative links, present tense, generated results."""
import re
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

import results_tables  # noqa: E402

PAGES = [README, *sorted(DOCS.rglob("*.md"))]
HISTORY_WORDS = ("until now", "before this version", "recorded before", "used to")
# [text](target) and ![alt](target); the target ends at the first blank or closing parenthesis
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _relative_links(text: str):
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # http:, https:, mailto: or a link inside the page
        yield unquote(target.split("#", 1)[0])


def _page_id(page: Path) -> str:
    return str(page.relative_to(PROJECT_ROOT))


def test_the_readme_is_at_most_300_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_there_are_pages_to_check():
    names = {_page_id(page) for page in PAGES}
    assert {"README.md", "docs/results.md", "docs/approaches/spert.md", "docs/commands.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_relative_link_points_at_an_existing_file(page):
    text = page.read_text(encoding="utf-8")
    missing = [target for target in _relative_links(text) if not (page.parent / target).exists()]
    assert missing == [], f"{_page_id(page)}: links to missing files: {missing}"


def test_the_link_check_finds_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("[ok](page.md) [web](https://example.org/x) [here](#top) [gone](docs/none.md#a) "
                    "![plot](img/p%20q.png)", encoding="utf-8")
    assert list(_relative_links(page.read_text(encoding="utf-8"))) == ["page.md", "docs/none.md", "img/p q.png"]


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_no_page_tells_history(page):
    text = page.read_text(encoding="utf-8").lower()
    found = [word for word in HISTORY_WORDS if word in text]
    assert found == [], f"{_page_id(page)} contains {found}"


def test_docs_results_is_what_make_results_generates(tmp_path):
    generated = tmp_path / "results.md"
    results_tables.regenerate(results_tables.RESULTS, results_tables.MATRIX, generated)
    assert results_tables.TABLE == DOCS / "results.md"
    assert (DOCS / "results.md").read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
        "docs/results.md differs from benchmarks/results.jsonl and benchmarks/matrix.json: run "
        "`.venv/bin/python benchmarks/run_matrix.py --regenerate-only`"
    )


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:] if end < 0 else text[start:end]


def test_the_readme_approach_table_cites_only_generated_figures():
    """Every F1 / speed figure of the "Which approach?" table is a value of docs/results.md."""
    section = _section(README.read_text(encoding="utf-8"), "## Which approach?")
    rows = [line for line in section.splitlines() if line.startswith("| [")]
    assert len(rows) == 5
    generated = (DOCS / "results.md").read_text(encoding="utf-8")
    cells = set(re.findall(r"(?<=\| )[^|]*?(?= \|)", generated))
    figures = [figure for row in rows for figure in re.findall(r"\d+\.\d+(?: ± \d+\.\d+)?", row)]
    assert len(figures) > 20
    assert [figure for figure in figures if figure not in cells] == []


def test_the_quickstart_has_copy_pasteable_sh_blocks():
    section = _section(README.read_text(encoding="utf-8"), "## Quickstart on your own data")
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert commands[0] == "jointie train spert --train my_data/train --dev my_data/dev -s out/"
    assert any(c.startswith("jointie predict out/model.tar.gz texts.jsonl --output-file ") for c in commands)
    assert any(c.startswith("jointie render ") for c in commands)
    assert any(c.startswith("jointie serve ") for c in commands)
    # no prompts, placeholders or continuation lines: every line runs as it stands
    assert [c for c in commands if c.startswith(("$", ">")) or "<" in c or c.endswith("\\")] == []
