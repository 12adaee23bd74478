"""
The entity and relation types a model learns: collected from the training documents, or given.

`collect_types` makes a `TypeInventory` from documents (the symmetric relation types are those the
documents' source declares: a SpERT `*_types.json`, a brat `annotation.conf`). `TypeFilter` holds
an inventory and leaves out of other documents the annotations of types it lacks, logging a
warning once per type and counting every annotation left out.
"""
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Tuple

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.formats.spert_json import TypeInventory

logger = logging.getLogger(__name__)


class TypeCollector:
    """Collects the types of the documents `add`ed (see `collect_types`)."""

    def __init__(self) -> None:
        self.entity_types: set = set()
        self.relation_types: set = set()
        self.symmetric: set = set()

    def add(self, document: Document) -> None:
        self.entity_types.update(e.type for e in document.entities)
        self.relation_types.update(r.type for r in document.relations)
        self.symmetric.update(document.symmetric_relation_types)

    def inventory(self) -> TypeInventory:
        return TypeInventory(
            entity_types=sorted(self.entity_types),
            relation_types=sorted(self.relation_types),
            symmetric_relation_types=frozenset(self.symmetric & self.relation_types),
        )


def collect_types(documents: Iterable[Document]) -> TypeInventory:
    """The sorted entity and relation types of `documents`, and which of those relation types are symmetric."""
    collector = TypeCollector()
    for document in documents:
        collector.add(document)
    return collector.inventory()


def inventory_from_dict(types: Dict[str, List[str]]) -> TypeInventory:
    """
    A `TypeInventory` from `{"entities": [...], "relations": [...], "symmetric": [...]}` (a reader's
    `types` parameter); raises `ValueError` naming what is wrong.
    """
    unknown = set(types) - {"entities", "relations", "symmetric"}
    if unknown:
        raise ValueError(f"types: unknown keys {sorted(unknown)} (expected entities, relations, symmetric)")
    for key in types:
        if not isinstance(types[key], list) or not all(isinstance(t, str) and t.strip() for t in types[key]):
            raise ValueError(f"types: {key!r} must be a list of non-empty type names")
    relations = list(types.get("relations", []))
    not_relations = sorted(set(types.get("symmetric", [])) - set(relations))
    if not_relations:
        raise ValueError(f"types: symmetric types {not_relations} are not among the relation types")
    return TypeInventory(
        entity_types=list(types.get("entities", [])),
        relation_types=relations,
        symmetric_relation_types=frozenset(types.get("symmetric", [])),
    )


def inventory_to_dict(inventory: TypeInventory) -> Dict[str, List[str]]:
    """The inverse of `inventory_from_dict`."""
    return {
        "entities": list(inventory.entity_types),
        "relations": list(inventory.relation_types),
        "symmetric": sorted(inventory.symmetric_relation_types),
    }


@dataclass
class TypeFilter:
    """
    Keeps to the types of `inventory`: annotations of other types are left out of a document (an
    entity with the relations on it), each new type logged once as a warning, every annotation
    counted in `left_out` (`("entity" | "relation", type) -> count`). Relation types that the
    inventory marks symmetric become symmetric in every document it passes.

    # Parameters

    inventory : `TypeInventory` the types learnt (usually those of the training data).
    """

    inventory: TypeInventory
    left_out: Counter = field(default_factory=Counter)
    relations_on_left_out_entities: int = 0
    _warned: set = field(default_factory=set)

    def __call__(self, document: Document, source: str) -> Document:
        """`document` within the inventory's types (the same object when nothing changes)."""
        entity_types = set(self.inventory.entity_types)
        relation_types = set(self.inventory.relation_types)
        symmetric = document.symmetric_relation_types | self.inventory.symmetric_relation_types
        kept_entities: Dict[int, int] = {}
        for index, entity in enumerate(document.entities):
            if entity.type in entity_types:
                kept_entities[index] = len(kept_entities)
            else:
                self._leave_out("entity", entity.type, source)
        relations = []
        for relation in document.relations:
            if relation.type not in relation_types:
                self._leave_out("relation", relation.type, source)
            elif relation.head not in kept_entities or relation.tail not in kept_entities:
                self.relations_on_left_out_entities += 1
            else:
                relations.append(relation)
        if len(kept_entities) == len(document.entities) and len(relations) == len(document.relations):
            if symmetric == document.symmetric_relation_types:
                return document
            result = document.with_annotations(document.entities, document.relations)
        else:
            entities = [e for index, e in enumerate(document.entities) if index in kept_entities]
            result = document.with_annotations(
                entities,
                [replace(r, head=kept_entities[r.head], tail=kept_entities[r.tail]) for r in relations],
            )
        result.symmetric_relation_types = frozenset(symmetric)
        return result

    def _leave_out(self, kind: str, type_name: str, source: str) -> None:
        key: Tuple[str, str] = (kind, type_name)
        self.left_out[key] += 1
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(
                "%s: %s type %r is not among the training types; its annotations are left out of the "
                "labels and the scores (counted, warned once per type)",
                source, kind, type_name,
            )

    def counts(self) -> Counter:
        """The annotations left out so far by type, with `("relation", "<on left-out entities>")`."""
        counts = Counter(self.left_out)
        if self.relations_on_left_out_entities:
            counts[("relation", "<on left-out entities>")] = self.relations_on_left_out_entities
        return counts

    @staticmethod
    def describe(counts: Counter) -> str:
        """`entity 'X': 3, relation 'Y': 1` of a `counts()` (or a difference of two)."""
        return ", ".join(f"{kind} {name!r}: {count}" for (kind, name), count in sorted(counts.items()))
