"""
The comparison keys of a document's entities and relations: what the metric counts as the same
item and what the HTML view marks as correct, missed or wrong.
"""
from typing import Hashable, List, Tuple

from jointie_allennlp.data.document import Document, Entity


def _entity_span(document: Document, entity: Entity) -> Tuple[int, int]:
    # Character offsets of the entity's tokens: the same for any tokenization whose token
    # boundaries cover the same text, and independent of exact brat offsets on white space.
    return (document.token_offsets[entity.start][0], document.token_offsets[entity.end - 1][1])


Key = Tuple[str, Hashable]


def item_keys(document: Document) -> Tuple[List[Key], List[Key], List[Key]]:
    """
    The comparison key of every entity and relation of a document, in their order: `ner`
    `(type, span)`; `rel_strict` `(relation type, (head span and type, tail span and type))`;
    `rel_boundaries` `(relation type, (head span, tail span))`. Arguments of a symmetric relation
    type are put in a canonical order, so either direction gives the same key.
    """
    spans = [_entity_span(document, e) for e in document.entities]
    entity_keys = [(entity.type, span) for entity, span in zip(document.entities, spans)]
    strict, boundaries = [], []
    for relation in document.relations:
        head = (spans[relation.head], document.entities[relation.head].type)
        tail = (spans[relation.tail], document.entities[relation.tail].type)
        if relation.type in document.symmetric_relation_types:
            head, tail = sorted((head, tail))
        strict.append((relation.type, (head, tail)))
        boundary_head, boundary_tail = head[0], tail[0]
        if relation.type in document.symmetric_relation_types:
            boundary_head, boundary_tail = sorted((boundary_head, boundary_tail))
        boundaries.append((relation.type, (boundary_head, boundary_tail)))
    return entity_keys, strict, boundaries
