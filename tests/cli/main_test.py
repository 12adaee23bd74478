"""`jointie`: one parser for every subcommand; a user mistake is exit status 2 and a message."""
from jointie_allennlp.cli import main


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
