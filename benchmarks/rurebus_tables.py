"""
The RuREBus tables of the results page, from the rows `benchmarks/rurebus_official.py` records:
the relation directions side by side on dev, and the official test set beside the shared task's
figures.
"""
from typing import List, Optional, Sequence

OFFICIAL = "official test_full; "
#: the rows of the `final` step: the settings chosen on dev, trained on all the train documents
ALL_DOCUMENTS = "official test_full, models on all train documents; "
DEV = "dev_every6 "
#: how a row without a `decoding` field decodes (the models' defaults)
PLAIN_DECODING = "per-word argmax NER; no signature filter"
#: (subtask, the shared task's best systems (the seeds' figures), this project's target)
SUBTASKS = (
    ("subtask 1: NER", "0.561", "≥ 0.50"),
    ("subtask 2: relations, gold entities", "0.394", "≥ 0.40"),
    ("subtask 3: end to end", "0.132 (0.194 after the competition)", "≥ 0.13"),
)
COMMANDS = [
    "    .venv/bin/python benchmarks/rurebus_official.py runs prepare",
    "    .venv/bin/python benchmarks/rurebus_official.py runs train re-head   # and re-both, ner: 1 thread each",
    "    .venv/bin/python benchmarks/rurebus_official.py runs dev",
    "    .venv/bin/python benchmarks/rurebus_official.py runs test",
    "    .venv/bin/python benchmarks/rurebus_official.py runs decoding",
    "    .venv/bin/python benchmarks/rurebus_official.py runs train ner --all-documents   # and re-<chosen>",
    "    .venv/bin/python benchmarks/rurebus_official.py runs final",
]


def _latest(rows: Sequence[dict], prefix: str) -> Optional[dict]:
    found = [row for row in rows if str(row.get("variant", "")).startswith(prefix)]
    return found[-1] if found else None


def _score(value: Optional[float]) -> str:
    return "pending" if value is None else f"{value:.3f}"


def official_test_table(rows: Sequence[dict]) -> List[str]:
    """The shared task's figures, the targets and this project's scores on `rurebus/test_full`."""

    def scores(prefix: str) -> tuple:
        relations = _latest(rows, prefix + "subtask 2;")
        end_to_end = _latest(rows, prefix + "subtask 1+3;")
        return relations, end_to_end, [
            end_to_end and end_to_end.get("rurebus_ner_f1"),
            relations and relations.get("rurebus_relations_f1"),
            end_to_end and end_to_end.get("rurebus_relations_f1"),
        ]

    relations, end_to_end, ours = scores(OFFICIAL)
    all_relations, all_end_to_end, ours_all = scores(ALL_DOCUMENTS)
    all_source = all_end_to_end or all_relations
    lines = [
        "## RuREBus: the official test set (`rurebus/test_full`)",
        "",
        "The shared task's 30 annotated test documents, scored once by `score --rurebus` (the shared task's",
        "scoring: entities by its sweep over offsets, relations undirected) with the models and threshold",
        "chosen on dev (next table). Scores on the shared task's 0-1 scale.",
        "",
        "| | " + " | ".join(name for name, _, _ in SUBTASKS) + " |",
        "|---|---|---|---|",
        "| the shared task's best systems | " + " | ".join(seed for _, seed, _ in SUBTASKS) + " |",
        "| targets of this project | " + " | ".join(target for _, _, target in SUBTASKS) + " |",
        "| this project | " + " | ".join(_score(value) for value in ours) + " |",
    ]
    if all_source:
        documents = all_source.get("train_documents", "all")
        lines.append(f"| this project, trained on all {documents} train documents, decoding chosen on dev | "
                     + " | ".join(_score(value) for value in ours_all) + " |")
    lines.append("")
    source = end_to_end or relations
    if source:
        lines += [f"Models of the row \"this project\" (the `test` step): `marked_entity` with RELATION_DIRECTIONS="
                  f"{source['relation_directions']} ({source['re_training']}; chosen by {source['chosen_by']}) at θ "
                  f"{source['relation_threshold']}" + (f"; `bio_tagger` ({end_to_end['ner_training']})" if end_to_end
                                                      else "") + f"; {source.get('decoding', PLAIN_DECODING)}.", ""]
    if all_source:
        lines += [f"The last row (the `final` step): the same settings, trained on the {documents} train documents "
                  f"(the split's train and dev parts together; the archives hold the last epoch), `marked_entity` "
                  f"({all_source['re_training']})"
                  + (f" and `bio_tagger` ({all_end_to_end['ner_training']})" if all_end_to_end else "")
                  + f"; decoding chosen by the `decoding` step on dev: {all_source.get('decoding', PLAIN_DECODING)}, "
                  f"θ {all_source['relation_threshold']}. Nothing is chosen on these models or on the test set.", ""]
    return lines + ["Commands (the work folder `runs`; each step resumes where it stopped):", "", *COMMANDS, ""]


def directions_table(rows: Sequence[dict]) -> List[str]:
    """Subtasks 2 and 3 on the 11 dev test files for each relation direction setting."""
    found = [row for row in rows if str(row.get("variant", "")).startswith(DEV)]
    lines = [
        "## RuREBus: relation labels by direction, on dev",
        "",
        "`marked_entity` labels the relations whose head is the main entity (`head`) or those in both",
        "directions (`both`); 11 of the 64 dev files of the split (every 6th), θ chosen on 7 others.",
        "Decoding: the NER model's tags per word (argmax) or by BIO Viterbi, and relations kept only",
        "when their (head type, relation, tail type) occurs often enough in the train documents, as the",
        "`decoding` step chooses them on the 7 files. P / R / F1: the shared task's relation score",
        "(undirected); strict: the shared metric's directed strict F1.",
        "",
        "| setting | subtask | decoding | θ | P | R | F1 | strict F1 | relation model |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in found:
        lines.append("| " + " | ".join([
            row.get("relation_directions", "?"), row.get("subtask", "?"),
            row.get("decoding", PLAIN_DECODING), str(row.get("relation_threshold", "?")),
            *(_score(row.get(f"rurebus_relations_{key}")) for key in ("precision", "recall", "f1")),
            _score(row.get("rel_strict_f1")), row.get("re_training", ""),
        ]) + " |")
    if not found:
        lines.append("| head, both | 2, 3 | | | pending | | | | |")
    return lines + [""]


def rurebus_tables(rows: Sequence[dict]) -> str:
    """Both RuREBus tables as markdown."""
    return "\n".join(official_test_table(rows) + directions_table(rows))
