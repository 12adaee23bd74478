"""
The shape docs/architecture.md describes: tests mirror the package (or the page names the test
that covers a module), nothing below the command line imports it, `data/` imports nothing else of
the package, and the paths the page names exist.
"""
import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT_ROOT / "jointie_allennlp"
ARCHITECTURE = PROJECT_ROOT / "docs" / "architecture.md"
TABLE_HEADING = "## Where modules are tested"
# The entry points of the command line outside cli/, with the one import each may make from it:
# `python -m jointie_allennlp`, and the hook that registers `allennlp jointie`.
ENTRY_POINTS = {
    "jointie_allennlp/__main__.py": {"jointie_allennlp.cli", "jointie_allennlp.cli.main"},
    "jointie_allennlp/__init__.py": {"jointie_allennlp.cli", "jointie_allennlp.cli.allennlp_command"},
}


def package_modules() -> List[Path]:
    """Every module of the package except the `__init__.py` files, relative to the project root."""
    return sorted(p.relative_to(PROJECT_ROOT) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def mirrored_test(module: Path) -> Path:
    """`jointie_allennlp/x/y.py` -> `tests/x/y_test.py`."""
    inside = module.relative_to("jointie_allennlp")
    return Path("tests") / inside.parent / f"{inside.stem}_test.py"


def where_tested(page: str) -> Dict[str, List[str]]:
    """The "Where modules are tested" table: module path -> the test files of its row."""
    start = page.index(TABLE_HEADING)
    end = page.find("\n## ", start + len(TABLE_HEADING))
    section = page[start:] if end < 0 else page[start:end]
    rows: Dict[str, List[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) != 2:
            continue
        module = cells[0].strip("`")
        assert module not in rows, f"{module} has two rows"
        rows[module] = re.findall(r"`(tests/[^`]+_test\.py)`", cells[1])
    return rows


def _module_name(path: Path) -> str:
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _called_name(call: ast.Call) -> Optional[str]:
    return getattr(call.func, "attr", getattr(call.func, "id", None))


def imported_modules(source: str, path: Path) -> Iterator[Tuple[int, str]]:
    """`(line, module)` of every import in `source` (relative ones resolved against `path`, a file
    of the package relative to the project root), including imports inside functions, the names
    imported `from` a package (as possible submodules) and `importlib.import_module("...")` strings."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Call) and _called_name(node) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def cli_imports_outside_cli(root: Path = PROJECT_ROOT) -> List[str]:
    """`path:line imports module` for every import of `jointie_allennlp.cli` outside cli/ (entry points excepted)."""
    found = []
    for path in sorted((root / "jointie_allennlp").rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[:2] == ("jointie_allennlp", "cli"):
            continue
        allowed = ENTRY_POINTS.get(relative.as_posix(), set())
        for line, module in imported_modules(path.read_text(encoding="utf-8"), relative):
            if _within(module, "jointie_allennlp.cli") and module not in allowed:
                found.append(f"{relative}:{line} imports {module}")
    return found


def _pages_modules(page: str) -> Iterator[str]:
    """The package paths the page names in backticks: `jointie_allennlp/...` and layer-relative ones."""
    for name in re.findall(r"`((?:jointie_allennlp/)?[a-z_]+(?:/[a-z_0-9]+)*(?:\.py|/))`", page):
        yield name


def test_every_module_has_a_mirrored_test_or_a_row_naming_its_tests():
    table = where_tested(ARCHITECTURE.read_text(encoding="utf-8"))
    untested = [
        str(module) for module in package_modules()
        if not (PROJECT_ROOT / mirrored_test(module)).is_file() and str(module) not in table
    ]
    assert untested == [], f"no tests/<mirrored>_test.py and no row in docs/architecture.md: {untested}"


def test_every_row_names_a_module_without_a_mirrored_test_and_existing_tests():
    table = where_tested(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(table) > 20
    modules = {str(module) for module in package_modules()}
    assert [module for module in table if module not in modules] == [], "rows for modules that do not exist"
    mirrored = [module for module in table if (PROJECT_ROOT / mirrored_test(Path(module))).is_file()]
    assert mirrored == [], f"these have a mirrored test; drop their rows: {mirrored}"
    assert [module for module, tests in table.items() if not tests] == [], "rows without a test"
    missing = [test for tests in table.values() for test in tests if not (PROJECT_ROOT / test).is_file()]
    assert missing == [], f"tests named in docs/architecture.md that do not exist: {missing}"


def test_the_table_parser_reads_rows_and_their_tests():
    page = (
        "# x\n\n" + TABLE_HEADING + "\n\n| module | tested in |\n|---|---|\n"
        "| `jointie_allennlp/a.py` | `tests/b_test.py` (why), `tests/c/d_test.py` |\n"
        "| `jointie_allennlp/e.py` | by hand |\n\n## Next\n\n| `jointie_allennlp/f.py` | `tests/g_test.py` |\n"
    )
    assert where_tested(page) == {
        "jointie_allennlp/a.py": ["tests/b_test.py", "tests/c/d_test.py"], "jointie_allennlp/e.py": [],
    }


def test_nothing_outside_the_command_line_imports_it():
    assert cli_imports_outside_cli() == []


def test_the_import_scan_finds_every_form_of_import(tmp_path):
    data = tmp_path / "jointie_allennlp" / "data"
    data.mkdir(parents=True)
    (data / "a.py").write_text(
        "import jointie_allennlp.cli.train\n"
        "from jointie_allennlp import cli\n"
        "from ..cli import score\n"
        "def f():\n"
        "    from jointie_allennlp.cli.common import print_json\n"
        "    importlib.import_module('jointie_allennlp.cli.render')\n"
        "from jointie_allennlp.data import document\n"
        "from . import keys\n"
    )
    (tmp_path / "jointie_allennlp" / "__main__.py").write_text("from jointie_allennlp.cli import main\n")
    (tmp_path / "jointie_allennlp" / "__init__.py").write_text("from jointie_allennlp.cli import train\n")
    assert cli_imports_outside_cli(tmp_path) == [
        "jointie_allennlp/__init__.py:1 imports jointie_allennlp.cli.train",
        "jointie_allennlp/data/a.py:1 imports jointie_allennlp.cli.train",
        "jointie_allennlp/data/a.py:2 imports jointie_allennlp.cli",
        "jointie_allennlp/data/a.py:3 imports jointie_allennlp.cli",
        "jointie_allennlp/data/a.py:3 imports jointie_allennlp.cli.score",
        "jointie_allennlp/data/a.py:5 imports jointie_allennlp.cli.common",
        "jointie_allennlp/data/a.py:5 imports jointie_allennlp.cli.common.print_json",
        "jointie_allennlp/data/a.py:6 imports jointie_allennlp.cli.render",
    ]


def _outside(module: str, allowed: str) -> Optional[str]:
    if _within(module, "jointie_allennlp") and not _within(module, allowed) and module != "jointie_allennlp":
        return module
    return None


def test_data_imports_nothing_else_of_the_package():
    found = []
    for path in sorted((PACKAGE / "data").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT)
        for line, module in imported_modules(path.read_text(encoding="utf-8"), relative):
            if _outside(module, "jointie_allennlp.data"):
                found.append(f"{relative}:{line} imports {module}")
    assert found == []


def test_the_page_names_only_paths_that_exist():
    page = ARCHITECTURE.read_text(encoding="utf-8")
    names = list(_pages_modules(page))
    assert "jointie_allennlp/cli/" in names and "data/windows.py" in names
    folders = [PROJECT_ROOT, PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]
    missing = [name for name in names if not any((folder / name).exists() for folder in folders)]
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"
