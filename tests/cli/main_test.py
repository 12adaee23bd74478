"""
`jointie`: one parser for every subcommand, every default in `--help`, `--silent` before or after
the subcommand, progress bars only on a terminal; a user mistake is exit status 2 and a message.
"""
import argparse
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from jointie_allennlp.cli import COMMANDS, main

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


def _subparsers():
    from jointie_allennlp.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action.choices


def test_every_help_lists_every_default(capsys):
    parser, subparsers = _subparsers()
    assert set(subparsers) == {module.NAME for module in COMMANDS}
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    top = " ".join(capsys.readouterr().out.split())
    assert "--silent no progress bars" in top and "(default: False)" in top
    for name, subparser in subparsers.items():
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        text = " ".join(capsys.readouterr().out.split())  # help lines are wrapped
        assert text.startswith(f"usage: jointie {name} "), name
        options = [a for a in subparser._actions if a.option_strings and a.default is not argparse.SUPPRESS]
        assert options or name == "list", name
        for action in options:
            shown = f"(default: {action.default!r})"
            own = action.help and "(default" in action.help  # a default the help text words itself
            assert own or shown in text, (name, action.option_strings, shown)
    assert "--batch-size BATCH_SIZE input lines per predictor call (default: 32)" in " ".join(
        subparsers["predict-ray"].format_help().split())
    convert_help = " ".join(subparsers["convert"].format_help().split())
    assert "--tokenizer TOKENIZER segmenter of brat input: auto" in convert_help
    assert "--port PORT (default: 8000)" in " ".join(subparsers["serve"].format_help().split())


def test_silent_is_taken_before_or_after_the_subcommand():
    from jointie_allennlp.cli import build_parser

    parser = build_parser()
    convert = ["convert", "--from", "brat", "--to", "brat", "a", "b"]
    assert parser.parse_args(convert).silent is False
    assert parser.parse_args(["--silent", *convert]).silent is True
    assert parser.parse_args([*convert, "--silent"]).silent is True
    assert parser.parse_args(convert).tokenizer == "auto"
    assert parser.parse_args(["score", "g", "p"]).tokenizer == "auto"


def _run_on_a_terminal(argv, cwd):
    """Runs `python -m jointie_allennlp ARGV` with standard error on a pseudo-terminal; (status, stdout, stderr)."""
    main_fd, terminal_fd = pty.openpty()
    fcntl.ioctl(terminal_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 rows, 100 columns
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen([sys.executable, "-m", "jointie_allennlp", *argv], cwd=cwd, env=environment,
                               stdout=subprocess.PIPE, stderr=terminal_fd)
    os.close(terminal_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout = process.stdout.read().decode()
    status = process.wait()
    os.close(main_fd)
    return status, stdout, b"".join(chunks).decode(errors="replace")


def test_a_progress_bar_on_a_terminal_and_none_with_silent(fixtures_dir, tmp_path):
    source = fixtures_dir / "brat"
    status, stdout, stderr = _run_on_a_terminal(
        ["convert", "--from", "brat", "--to", "spert-json", str(source), str(tmp_path / "a_train.json")], tmp_path)
    assert status == 0 and json.loads(stdout.strip().splitlines()[-1])["documents"] == 2
    assert "documents: " in stderr and "2/" not in stderr and "2doc" in stderr  # no total known: a count
    for argv in (["--silent", "convert"], ["convert", "--silent"]):
        target = tmp_path / f"b{len(argv[0])}_train.json"
        status, stdout, stderr = _run_on_a_terminal(
            [*argv, "--from", "brat", "--to", "spert-json", str(source), str(target)], tmp_path)
        assert status == 0 and json.loads(stdout.strip().splitlines()[-1])["documents"] == 2
        assert stderr == "", argv


def test_predict_counts_lines_on_a_terminal_and_silent_hides_the_bar(spert_archive, tmp_path):
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"id": f"d{n}", "text": "Anna works for Acme in Paris."}) + "\n"
                              for n in range(3)), encoding="utf-8")
    common = ["predict", str(spert_archive), str(inputs), "--batch-size", "2"]
    status, stdout, stderr = _run_on_a_terminal([*common, "--output-file", str(tmp_path / "a.jsonl")], tmp_path)
    assert status == 0 and stdout.count("prediction: ") == 3
    assert "lines: " in stderr and "3line" in stderr
    status, stdout, stderr = _run_on_a_terminal(
        ["--silent", *common, "--output-file", str(tmp_path / "b.jsonl")], tmp_path)
    assert status == 0 and stdout == "" and "lines: " not in stderr
    assert len((tmp_path / "b.jsonl").read_text("utf-8").splitlines()) == 3
