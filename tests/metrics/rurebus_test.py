"""RuREBus scoring (the shared task's script and the set-based variant) and the brat train/dev split."""
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence, Tuple

import pytest

from jointie_allennlp.cli import main
from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import write_brat
from jointie_allennlp.data.split import split_brat_directory
from jointie_allennlp.metrics.joint_extraction import evaluate_documents
from jointie_allennlp.metrics.rurebus import (
    Counts, entity_counts, relation_counts, rurebus_set_summary, rurebus_summary,
)

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
TOKENS = ["Администрация", "края", "планирует", "увеличить", "инвестиции"]
ENTITIES = [Entity(0, 2, "INST"), Entity(3, 4, "BIN"), Entity(4, 5, "ACT")]
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def doc(entities, relations):
    return Document.from_tokens("d", TOKENS, entities=entities, relations=relations)


def chars(entities: Sequence[Tuple[str, int, int]], relations=(), text: str = LETTERS, id: str = "d") -> Document:
    """A document with one token per character, so entity token offsets are character offsets."""
    return Document(
        id=id, text=text, tokens=list(text), token_offsets=[(i, i + 1) for i in range(len(text))],
        entities=[Entity(start, end, type) for type, start, end in entities],
        relations=[Relation(head, tail, type) for head, tail, type in relations],
    )


def counts(scores) -> Tuple[int, int, int]:
    return scores["tp"], scores["fp"], scores["fn"]


def summary(predicted, gold):
    return rurebus_summary([predicted], [gold], evaluate_documents([predicted], [gold]))


def test_relations_match_in_either_direction_with_entity_types():
    gold = doc(ENTITIES, [Relation(0, 1, "TSK"), Relation(1, 2, "PNG")])
    # TSK reversed (the shared task ignores direction); PNG with the wrong type
    predicted = doc(ENTITIES, [Relation(1, 0, "TSK"), Relation(1, 2, "NNG")])
    scores = summary(predicted, gold)
    assert scores["entities"] == "given (gold)"
    assert counts(scores["subtask_2_relations"]) == (1, 1, 1)
    assert [scores["subtask_2_relations"][k] for k in ("precision", "recall", "f1")] == [0.5, 0.5, 0.5]
    assert scores["subtask_2_relations_directed"]["f1"] == 0.0
    assert scores["subtask_1_ner"]["f1"] == 1.0


def test_predicted_entities_make_it_subtask_3_and_entity_type_matters():
    gold = doc(ENTITIES, [Relation(0, 1, "TSK")])
    predicted = doc([Entity(0, 2, "ORG"), Entity(3, 4, "BIN")], [Relation(0, 1, "TSK")])
    scores = summary(predicted, gold)
    assert scores["entities"] == "predicted"
    assert scores["subtask_3_relations"]["f1"] == 0.0  # head entity has the wrong type
    assert counts(scores["subtask_1_ner"]) == (1, 1, 2)
    assert scores["subtask_1_ner"]["precision"] == 0.5 and scores["subtask_1_ner"]["recall"] == pytest.approx(1 / 3)


# (gold entities, predicted entities, (tp, fp, fn)) worked by hand through the script's sweep
ENTITY_CASES = {
    "a shorter prediction at the same start spoils the exact one after it": (
        [("ACT", 0, 10)], [("ACT", 0, 5), ("ACT", 0, 10)], (0, 2, 1)),
    "the exact prediction first, then the shorter one": ([("ACT", 0, 10)], [("ACT", 0, 10), ("ACT", 0, 5)], (1, 1, 0)),
    "a repeated prediction is a false positive": ([("ACT", 0, 10)], [("ACT", 0, 10), ("ACT", 0, 10)], (1, 1, 0)),
    "a repeated gold entity is a false negative": ([("ACT", 0, 10), ("ACT", 0, 10)], [("ACT", 0, 10)], (1, 0, 1)),
    "same span, other type": ([("ACT", 0, 10)], [("BIN", 0, 10)], (0, 1, 1)),
    "nested gold at the same start, the inner one predicted": (
        [("ACT", 0, 10), ("BIN", 0, 3)], [("BIN", 0, 3)], (0, 1, 2)),
    "nested gold starting later, the inner one predicted": (
        [("ACT", 0, 10), ("BIN", 5, 8)], [("BIN", 5, 8)], (1, 0, 1)),
    "overlapping, not nested": ([("ACT", 0, 5)], [("ACT", 3, 8)], (0, 1, 1)),
    "adjacent spans listed out of order": (
        [("ACT", 0, 5), ("BIN", 5, 10)], [("BIN", 5, 10), ("ACT", 0, 5)], (2, 0, 0)),
    "adjacent, the prediction before the gold entity": ([("BIN", 5, 10)], [("ACT", 0, 5)], (0, 1, 1)),
    "nothing predicted": ([("ACT", 0, 5), ("BIN", 6, 9)], [], (0, 0, 2)),
    "nothing to find": ([], [("ACT", 0, 5)], (0, 1, 0)),
}


@pytest.mark.parametrize("name", ENTITY_CASES)
def test_entities_are_swept_by_offset_as_the_shared_task_script_does(name):
    gold, predicted, expected = ENTITY_CASES[name]
    assert entity_counts(chars(predicted), chars(gold)) == Counts(*expected)
    scores = rurebus_summary([chars(predicted)], [chars(gold)])
    assert counts(scores["subtask_1_ner"]) == expected


def test_the_example_of_the_sweep_and_its_set_based_variant():
    gold, predicted = chars([("ACT", 0, 10)]), chars([("ACT", 0, 5), ("ACT", 0, 10)])
    official = rurebus_summary([predicted], [gold])["subtask_1_ner"]
    assert counts(official) == (0, 2, 1) and official["f1"] == 0.0
    metrics = evaluate_documents([predicted], [gold])
    assert rurebus_set_summary([predicted], [gold], metrics)["subtask_1_ner"] == {
        "precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3)}


def test_an_entity_across_a_line_break_is_not_scored_as_the_script_skips_discontinuous_ones():
    text = "abc\ndef ghi\n"
    gold = chars([("ACT", 4, 7)], text=text)
    # across the line break: written as two fragments; "ghi\n" is written as "ghi" (8, 11)
    predicted = chars([("ACT", 1, 6), ("ACT", 4, 7), ("BIN", 8, 12)], [(0, 1, "TSK")], text=text)
    assert counts(rurebus_summary([predicted], [gold])["subtask_1_ner"]) == (1, 1, 0)
    assert relation_counts(predicted, gold) == relation_counts(chars([], text=text), gold)  # its relation too
    assert counts(rurebus_summary([predicted], [chars([("ACT", 4, 7), ("BIN", 8, 11)], text=text)])[
        "subtask_1_ner"]) == (2, 0, 0)


A, B, C = ("ACT", 0, 3), ("BIN", 4, 7), ("ECO", 8, 9)
# (gold entities, gold relations, predicted entities, predicted relations, (tp, fp, fn))
RELATION_CASES = {
    "reversed direction matches": ([A, B], [(0, 1, "TSK")], [A, B], [(1, 0, "TSK")], (1, 0, 0)),
    "other relation type": ([A, B], [(0, 1, "TSK")], [A, B], [(0, 1, "PNG")], (0, 1, 1)),
    "an argument of another entity type": ([A, B], [(0, 1, "TSK")], [A, ("ECO", 4, 7)], [(0, 1, "TSK")], (0, 1, 1)),
    "an argument with other offsets": ([A, B], [(0, 1, "TSK")], [A, ("BIN", 4, 6)], [(0, 1, "TSK")], (0, 1, 1)),
    "entities matched by offsets, not by position": ([A, B, C], [(0, 2, "TSK")], [C, A], [(0, 1, "TSK")], (1, 0, 0)),
    "both directions in gold, one predicted: two true positives": (
        [A, B], [(0, 1, "TSK"), (1, 0, "TSK")], [A, B], [(0, 1, "TSK")], (2, 0, 0)),
    "a repeated prediction is no false positive": ([A, B], [(0, 1, "TSK")], [A, B], [(0, 1, "TSK"), (1, 0, "TSK")],
                                                   (1, 0, 0)),
    "nothing predicted": ([A, B, C], [(0, 1, "TSK"), (1, 2, "PNG")], [A, B, C], [], (0, 0, 2)),
    "nothing to find": ([A, B], [], [A, B], [(0, 1, "TSK")], (0, 1, 0)),
}


@pytest.mark.parametrize("name", RELATION_CASES)
def test_relations_are_matched_as_the_shared_task_script_does(name):
    gold_entities, gold_relations, predicted_entities, predicted_relations, expected = RELATION_CASES[name]
    gold, predicted = chars(gold_entities, gold_relations), chars(predicted_entities, predicted_relations)
    scores = rurebus_summary([predicted], [gold])
    subtask = 2 if gold_entities == predicted_entities else 3
    assert counts(scores[f"subtask_{subtask}_relations"]) == expected


def test_counts_are_summed_over_documents():
    gold = [chars([A, B], [(0, 1, "TSK")], id="1"), chars([A], id="2")]
    predicted = [chars([A, B], [(1, 0, "TSK")], id="1"), chars([("ACT", 0, 2), A], id="2")]
    scores = rurebus_summary(predicted, gold)
    assert counts(scores["subtask_1_ner"]) == (2, 2, 1)  # document 2: ("ACT", 0, 2) first, then A: FP 2, FN 1
    assert scores["subtask_1_ner"]["precision"] == 0.5 and scores["subtask_1_ner"]["recall"] == pytest.approx(2 / 3)
    assert counts(scores["subtask_3_relations"]) == (1, 0, 0)
    with pytest.raises(ValueError):
        rurebus_summary(predicted, gold[:1])


# ------------------------------------------------------------------ against the script itself

RUREBUS_COMMIT = "1ad743675b559f86322347d050cc5f8733df4877"
RUREBUS_REPOSITORY = Path(os.environ.get("RUREBUS_REPOSITORY", "/work/.mirror/dialogue-evaluation+RuREBus/repo"))
SCRIPTS = ("brat_format.py", "evaluate_ners.py", "evaluate_rels.py")

# Runs the script's own calc_ner_f1 / calc_rels_f1 on each (gold dir, predicted dir) and records
# the totals they pass to compute_precision_and_recall.
DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import evaluate_ners, evaluate_rels

def scorer(module, function):
    seen = []
    original = module.compute_precision_and_recall
    def recording(tp, fp, fn):
        seen.append([tp, fp, fn])
        return original(tp, fp, fn)
    module.compute_precision_and_recall = recording
    def run(gold, predicted):
        try:
            f1 = function(gold, predicted)
        except ZeroDivisionError:
            f1 = 0.0
        return seen.pop() + [f1]
    return run

ner = scorer(evaluate_ners, evaluate_ners.calc_ner_f1)
rel = scorer(evaluate_rels, evaluate_rels.calc_rels_f1)
print(json.dumps([{"ner": ner(g, p), "rel": rel(g, p)} for g, p in json.loads(sys.argv[2])]))
"""


@pytest.fixture(scope="module")
def eval_scripts(tmp_path_factory) -> Path:
    """The shared task's eval_scripts (from a clone or a bare copy of its repository), in a temporary folder."""
    if (RUREBUS_REPOSITORY / "eval_scripts").is_dir():
        return RUREBUS_REPOSITORY / "eval_scripts"
    if not RUREBUS_REPOSITORY.is_dir():
        pytest.skip(f"the RuREBus repository is not at {RUREBUS_REPOSITORY} (set RUREBUS_REPOSITORY)")
    folder = tmp_path_factory.mktemp("eval_scripts")
    for name in SCRIPTS:
        shown = subprocess.run(
            ["git", f"--git-dir={RUREBUS_REPOSITORY}", "show", f"{RUREBUS_COMMIT}:eval_scripts/{name}"],
            capture_output=True,
        )
        if shown.returncode:
            pytest.skip(f"eval_scripts/{name} not readable from {RUREBUS_REPOSITORY}: {shown.stderr.decode()[:200]}")
        (folder / name).write_bytes(shown.stdout)
    return folder


def official_scores(eval_scripts: Path, cases: List[Tuple[List[Document], List[Document]]], root: Path):
    """The script's (tp, fp, fn, f1) for entities and relations of each case (gold, predicted documents)."""
    folders = []
    for number, (gold, predicted) in enumerate(cases):
        for side, documents in (("gold", gold), ("predicted", predicted)):
            for document in documents:
                write_brat(document, root / str(number) / side)
            (root / str(number) / side).mkdir(parents=True, exist_ok=True)
        folders.append([str(root / str(number) / "gold"), str(root / str(number) / "predicted")])
    result = subprocess.run([sys.executable, "-c", DRIVER, str(eval_scripts), json.dumps(folders)],
                            capture_output=True, text=True, check=True, cwd=root)
    return json.loads(result.stdout)


def random_case(rng: random.Random, number: int) -> Tuple[List[Document], List[Document]]:
    gold, predicted = [], []
    for index in range(rng.randint(1, 2)):
        entities = [(rng.choice("AB"), start, start + rng.randint(1, 4))
                    for start in (rng.randint(0, 10) for _ in range(rng.randint(0, 5)))]
        guesses = [e if rng.random() < 0.5 else (rng.choice("AB"), e[1], e[1] + rng.randint(1, 4)) for e in entities
                   if rng.random() < 0.8] + [(rng.choice("AB"), s, s + rng.randint(1, 3)) for s in
                                             (rng.randint(0, 10) for _ in range(rng.randint(0, 2)))]
        rng.shuffle(guesses)

        def relations(count):
            return [(rng.randrange(count), rng.randrange(count), rng.choice(["R", "S"]))
                    for _ in range(rng.randint(0, 3))] if count else []

        gold_relations = relations(len(entities))
        copied = [(guesses.index(entities[h]), guesses.index(entities[t]), r) if rng.random() < 0.5
                  else (guesses.index(entities[t]), guesses.index(entities[h]), r)
                  for h, t, r in gold_relations if entities[h] in guesses and entities[t] in guesses]
        document_id = f"c{number}_{index}"
        gold.append(chars(entities, gold_relations, id=document_id))
        predicted.append(chars(guesses, copied + relations(len(guesses)), id=document_id))
    return gold, predicted


def test_scores_equal_the_shared_task_scripts_on_random_and_worked_documents(eval_scripts, tmp_path):
    rng = random.Random(13)
    cases = [random_case(rng, number) for number in range(150)]
    cases += [([chars(g)], [chars(p)]) for g, p, _ in ENTITY_CASES.values()]
    cases += [([chars(ge, gr)], [chars(pe, pr)]) for ge, gr, pe, pr, _ in RELATION_CASES.values()]
    newline = "abc\ndef ghi\n"
    cases.append(([chars([("ACT", 4, 7), ("B", 1, 2)], [(0, 1, "R")], text=newline)],
                  [chars([("ACT", 1, 6), ("ACT", 4, 7), ("BIN", 8, 12), ("B", 1, 2)], [(0, 1, "R"), (1, 3, "R")],
                         text=newline)]))
    cases.append(([chars([A, B], [(0, 1, "R")], id="x")], []))  # no prediction file
    official = official_scores(eval_scripts, cases, tmp_path)
    for (gold, predicted), script in zip(cases, official):
        predicted = predicted or [document.without_annotations() for document in gold]
        ours = rurebus_summary(predicted, gold)
        relations = next(value for key, value in ours.items() if key.endswith("_relations"))
        assert list(counts(ours["subtask_1_ner"])) == script["ner"][:3], (gold, predicted)
        assert list(counts(relations)) == script["rel"][:3], (gold, predicted)
        assert ours["subtask_1_ner"]["f1"] == pytest.approx(script["ner"][3])
        assert relations["f1"] == pytest.approx(script["rel"][3])
    # the random cases reach every branch of the sweep and ties in both orders
    assert sum(s["ner"][0] for s in official) > 50 and sum(s["ner"][1] for s in official) > 50
    assert sum(s["rel"][0] for s in official) > 20 and sum(s["rel"][1] for s in official) > 20


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
