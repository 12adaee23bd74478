"""RuREBus scoring convention and the brat train/dev split."""
import json
from pathlib import Path

import pytest

from jointie_allennlp.cli import main
from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.split import split_brat_directory
from jointie_allennlp.metrics.joint_extraction import evaluate_documents
from jointie_allennlp.metrics.rurebus import rurebus_summary

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
TOKENS = ["Администрация", "края", "планирует", "увеличить", "инвестиции"]
ENTITIES = [Entity(0, 2, "INST"), Entity(3, 4, "BIN"), Entity(4, 5, "ACT")]


def doc(entities, relations):
    return Document.from_tokens("d", TOKENS, entities=entities, relations=relations)


def summary(predicted, gold):
    return rurebus_summary([predicted], [gold], evaluate_documents([predicted], [gold]))


def test_relations_match_in_either_direction_with_entity_types():
    gold = doc(ENTITIES, [Relation(0, 1, "TSK"), Relation(1, 2, "PNG")])
    # TSK reversed (the shared task ignores direction); PNG with the wrong type
    predicted = doc(ENTITIES, [Relation(1, 0, "TSK"), Relation(1, 2, "NNG")])
    scores = summary(predicted, gold)
    assert scores["entities"] == "given (gold)"
    assert scores["subtask_2_relations"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert scores["subtask_2_relations_directed"]["f1"] == 0.0
    assert scores["subtask_1_ner"]["f1"] == 1.0


def test_predicted_entities_make_it_subtask_3_and_entity_type_matters():
    gold = doc(ENTITIES, [Relation(0, 1, "TSK")])
    predicted = doc([Entity(0, 2, "ORG"), Entity(3, 4, "BIN")], [Relation(0, 1, "TSK")])
    scores = summary(predicted, gold)
    assert scores["entities"] == "predicted"
    assert scores["subtask_3_relations"]["f1"] == 0.0  # head entity has the wrong type
    assert scores["subtask_1_ner"]["precision"] == 0.5 and scores["subtask_1_ner"]["recall"] == pytest.approx(1 / 3)


def make_corpus(directory: Path, stems):
    directory.mkdir()
    for stem in stems:
        (directory / f"{stem}.txt").write_text("Рост.", encoding="utf-8")
        (directory / f"{stem}.ann").write_text("T1\tMET 0 4\tРост\n", encoding="utf-8")


def test_split_by_document_group_with_a_fixed_seed(tmp_path):
    stems = [f"r{i}_part_{p}" for i in range(10) for p in range(2)] + ["single"]
    make_corpus(tmp_path / "src", stems)
    splits = split_brat_directory(tmp_path / "src", tmp_path / "a", dev_fraction=0.3, seed=13)
    again = split_brat_directory(tmp_path / "src", tmp_path / "b", dev_fraction=0.3, seed=13)
    other = split_brat_directory(tmp_path / "src", tmp_path / "c", dev_fraction=0.3, seed=14)
    assert splits == again and splits != other
    assert sorted(splits["train"] + splits["dev"]) == sorted(stems)
    groups = lambda names: {n.split("_part_")[0] for n in names}  # noqa: E731
    assert not groups(splits["train"]) & groups(splits["dev"])  # parts of a report stay together
    assert len(groups(splits["dev"])) == 3  # round(0.3 * 11 groups)
    for split in ("train", "dev"):
        written = sorted(p.stem for p in (tmp_path / "a" / split).glob("*.ann"))
        assert written == splits[split]
        assert sorted(p.stem for p in (tmp_path / "a" / split).glob("*.txt")) == splits[split]
        listed = (tmp_path / "a" / f"{split}_files.txt").read_text(encoding="utf-8").splitlines()
        assert [Path(line).stem for line in listed] == splits[split] and all(Path(line).is_file() for line in listed)
    # every file its own document
    files = split_brat_directory(tmp_path / "src", tmp_path / "d", dev_fraction=0.3, seed=13, group_pattern="")
    assert len(files["dev"]) == round(0.3 * len(stems))
    with pytest.raises(FormatError):
        split_brat_directory(tmp_path / "src", tmp_path / "e", dev_fraction=1.0)


def test_split_command(tmp_path, capsys):
    assert main(["split-brat", str(FIXTURES / "brat"), str(tmp_path / "out"), "--dev-fraction", "0.5", "--seed", "13",
                 "--group-pattern", ""]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["train"] == result["dev"] == 1
    assert len(list((tmp_path / "out").glob("*/*.ann"))) == 2
