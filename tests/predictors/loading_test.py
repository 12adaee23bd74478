"""Loading a predictor: user mistakes are errors naming the option or path, not tracebacks."""
import json

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor
from jointie_allennlp.predictors.loading import (
    check_archive,
    check_predictor_args,
    load_predictor,
    parse_predictor_args,
)
from jointie_allennlp.predictors.pipeline import PipelinePredictor


def test_predictor_args_must_be_a_json_object():
    assert parse_predictor_args("") == {} and parse_predictor_args(' {"batch_size": 4} ') == {"batch_size": 4}
    with pytest.raises(FormatError, match=r"^--predictor-args: expected a JSON object .*, got \[1\]$"):
        parse_predictor_args("[1]")
    with pytest.raises(FormatError, match=r"^--predictor-args: invalid JSON: Expecting value \(column 1\)$"):
        parse_predictor_args("batch_size=4")


def test_unknown_predictor_args_are_named_with_the_known_ones():
    check_predictor_args(JointExtractionPredictor, {"batch_size": 4, "brat_output_dir": "x", "overwrite": True})
    with pytest.raises(FormatError) as caught:
        check_predictor_args(JointExtractionPredictor, {"batch_size": 4, "bratoutput_dir": "x"})
    assert str(caught.value) == (
        "--predictor-args: JointExtractionPredictor takes no argument 'bratoutput_dir'; it takes batch_size, "
        "brat_output_dir, frozen, overwrite, tokenizer"
    )
    check_predictor_args(PipelinePredictor, {"re_archive": "x", "gold_entities": True})


def test_a_file_that_is_not_an_archive_is_named(tmp_path):
    text = tmp_path / "model.tar.gz"
    text.write_text("not a tar", encoding="utf-8")
    for path, message in ((text, "not a model archive"), (tmp_path / "missing.tar.gz", "no such model archive"),
                          (tmp_path, "not a model archive: a directory needs the config.json")):
        with pytest.raises(FormatError, match=f"^{path}: {message}"):
            check_archive(str(path))
        with pytest.raises(FormatError, match=f"^{path}: {message}"):
            load_predictor(str(path))


def test_load_predictor_checks_before_and_after_loading(spert_archive, tmp_path):
    with pytest.raises(FormatError, match="--predictor-args: JointExtractionPredictor takes no argument 'nope'"):
        load_predictor(str(spert_archive), predictor_args={"nope": 1})  # the model's default predictor
    with pytest.raises(FormatError, match="--predictor: .*no_such_predictor"):
        load_predictor(str(spert_archive), predictor="no_such_predictor")
    with pytest.raises(FormatError, match=r"--predictor-args: expected a JSON object, got \[1\]"):
        load_predictor(str(spert_archive), predictor_args=[1])
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(spert_archive.read_bytes()[:2000])
    with pytest.raises(FormatError, match=f"^{cut}: not a"):
        load_predictor(str(cut))
    predictor = load_predictor(str(spert_archive), predictor_args={"batch_size": 2})
    record = predictor.predict_json({"id": "x", "text": "Anna met Boris."})
    assert record["id"] == "x" and json.dumps(record)


def test_check_predictor_reads_the_model_type_without_loading(spert_archive, tmp_path):
    from jointie_allennlp.predictors.loading import archive_model_type, check_predictor

    assert archive_model_type(str(spert_archive)) == "spert"
    assert archive_model_type(str(tmp_path)) is None
    check_predictor(str(spert_archive), predictor_args={"batch_size": 2})
    with pytest.raises(FormatError, match="--predictor-args: JointExtractionPredictor takes no argument 'nope'"):
        check_predictor(str(spert_archive), predictor_args={"nope": 1})
    with pytest.raises(FormatError, match=f"^{tmp_path / 'x.tar.gz'}: no such model archive"):
        check_predictor(str(tmp_path / "x.tar.gz"))
