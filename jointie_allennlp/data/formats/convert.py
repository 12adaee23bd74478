"""
Conversion between brat and SpERT JSON (`jointie convert`), with counts of what was written and
of what reading brat had to change. Nothing is written when the input or an existing types file
does not fit.
"""
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.output import check_output
from jointie_allennlp.data.formats.brat import (
    BratReport,
    read_brat,
    read_brat_directory,
    refuse_file_stem_clashes,
    write_brat_directory,
)
from jointie_allennlp.data.formats.spert_json import (
    TypeInventory,
    document_to_spert_dicts,
    read_spert_json,
    read_types,
    types_file_for,
    write_spert_json,
    write_types,
)
from jointie_allennlp.data.tokenization import get_segmenter

FORMATS = ("brat", "spert-json")
Progress = Callable[[Iterable, str], Iterable]


def _no_progress(items: Iterable, description: str) -> Iterable:
    return items


def read_format(
    source: str, source_format: str, tokenizer: str = "auto", types: Optional[str] = None,
    report: Optional[BratReport] = None,
) -> Iterable[Document]:
    """The documents of `source` read as `source_format` (`brat`: a directory or one `.ann`/`.txt`)."""
    if source_format == "brat":
        path = Path(source)
        if path.suffix in (".ann", ".txt"):
            return [read_brat(path.with_suffix(".txt"), segmenter=get_segmenter(tokenizer), report=report)]
        return read_brat_directory(source, segmenter=get_segmenter(tokenizer), report=report)
    return read_spert_json(source, types_path=types)


def check_types_file(types_path: Path, inventory: TypeInventory, symmetric_known: bool) -> str:
    """
    Whether an existing `*_types.json` can stay: it must list every type of the converted data and
    mark the same relation types symmetric (when the source says which are). Raises otherwise.
    """
    existing = read_types(types_path)
    problems = []
    for kind, ours, theirs in (
        ("entity", inventory.entity_types, existing.entity_types),
        ("relation", inventory.relation_types, existing.relation_types),
    ):
        missing = sorted(set(ours) - set(theirs))
        if missing:
            problems.append(f"lacks the {kind} types {missing}")
    existing_symmetric = existing.symmetric_relation_types & set(inventory.relation_types)
    differ = inventory.symmetric_relation_types ^ existing_symmetric if symmetric_known else (
        inventory.symmetric_relation_types - existing_symmetric
    )
    if differ:
        problems.append(f"marks {sorted(differ)} symmetric differently from the data")
    if problems:
        raise FormatError(
            "the existing types file does not match the converted data: " + "; ".join(problems)
            + ". Nothing was written; remove it or write elsewhere",
            path=str(types_path),
        )
    return "kept"


def convert(
    source: str,
    destination: str,
    from_format: str,
    to_format: str,
    tokenizer: str = "auto",
    types: Optional[str] = None,
    progress: Progress = _no_progress,
    overwrite: bool = False,
) -> Dict[str, object]:
    """
    Converts `source` (`from_format`) into `destination` (`to_format`): a brat directory, or a SpERT
    JSON file with its `*_types.json` beside it (an existing one is kept when it matches, and
    refused when it does not). The destination is written through `jointie_allennlp.data.output`
    (`write_brat_directory`, `write_spert_json`): never over an input, over an existing one only
    with `overwrite`, and only once the whole input is read.

    # Parameters

    source, destination : `str` paths.
    from_format, to_format : `str` `brat` or `spert-json`.
    tokenizer : `str`, optional (default = `"auto"`) the segmenter of brat input.
    types : `str`, optional the SpERT `*_types.json` of SpERT input (default: found beside it).
    progress : `Callable`, optional wraps the loop over the documents read (e.g. in a progress bar).
    overwrite : `bool`, optional (default = `False`) replace an existing destination.

    # Returns

    The counts written (`documents`, `entities`, `relations`; for brat `renamed`, `"<id> -> <file
    stem>"` for every document whose id is not a safe file name; for SpERT JSON `items`, the types
    file and what became of it) and, for brat input, what reading changed (`split_tokens`,
    `merged_sentences`, ...).
    """
    inputs = (source, types)
    check_output(destination, inputs, overwrite, directory=to_format == "brat")  # before the (long) reading
    report = BratReport()
    documents: List[Document] = list(progress(read_format(source, from_format, tokenizer, types, report), "documents"))
    counts: Dict[str, object] = {"documents_read": len(documents)}
    if to_format == "brat":
        refuse_file_stem_clashes([d.id for d in documents], source)  # named by the input they come from
        counts.update(write_brat_directory(documents, destination, inputs, overwrite).as_dict())
    else:
        items = [item for document in documents for item in document_to_spert_dicts(document)]
        target = Path(destination)
        relation_types = sorted({r.type for d in documents for r in d.relations})
        inventory = TypeInventory(
            entity_types=sorted({e.type for d in documents for e in d.entities}),
            relation_types=relation_types,
            symmetric_relation_types=frozenset(relation_types).intersection(
                frozenset().union(*(d.symmetric_relation_types for d in documents))
            ),
        )
        types_path = types_file_for(target)
        action = (
            check_types_file(types_path, inventory, symmetric_known=from_format == "spert-json")
            if types_path.exists()
            else "written"
        )
        write_spert_json(documents, target, inputs, overwrite)
        if action == "written":
            write_types(types_path, inventory)
        counts.update(
            documents=len(documents),
            items=len(items),
            entities=sum(len(i["entities"]) for i in items),
            relations=sum(len(i["relations"]) for i in items),
            types_file=str(types_path),
            types_file_action=action,
        )
        # Held in extra keys that SpERT's own code ignores: brat lines the document model keeps
        # verbatim and exact character offsets of entities that start or end on white space.
        counts["unsupported_lines_in_extra_keys"] = sum(
            len(d.metadata.get("brat_unsupported", [])) for d in documents
        )
        counts["exact_character_offsets_in_extra_keys"] = sum(
            1 for d in documents for e in d.entities if e.char_span is not None
        )
    if from_format == "brat":
        counts.update(
            split_tokens=report.split_tokens,
            merged_sentences=report.merged_sentences,
            kept_verbatim=report.kept_verbatim,
            discontinuous_entities=report.discontinuous_entities,
            events=report.events,
            attributes=report.attributes,
            normalizations=report.normalizations,
            notes=report.notes,
            relations_to_unsupported=report.relations_to_unsupported,
        )
    return counts
