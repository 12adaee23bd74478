import pytest
import torch

from jointie_allennlp.data.document import Entity
from jointie_allennlp.modules.entity_pairs import (
    batch_pair_token_indices,
    entity_key,
    entity_token,
    ordered_pairs,
    pair_labels,
    score_in_chunks,
)


def test_ordered_pairs_are_all_directed_pairs_without_self_pairs():
    assert ordered_pairs(0) == [] and ordered_pairs(1) == []
    assert ordered_pairs(3) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]


def test_entity_token_is_the_last_word_by_default():
    entity = Entity(2, 5, "Org")
    assert entity_token(entity) == 4
    assert entity_token(Entity(3, 4, "Loc")) == 3  # single word: the S-/U- word
    assert entity_token(entity, "first") == 2
    with pytest.raises(ValueError):
        entity_token(entity, "middle")


def test_batch_pair_token_indices():
    batch = [
        [Entity(0, 2, "Peop"), Entity(3, 4, "Loc")],  # last words 1 and 3
        [Entity(5, 6, "Org")],  # one entity: no pair
        [Entity(0, 1, "A"), Entity(1, 3, "B"), Entity(4, 5, "C")],  # last words 0, 2, 4
    ]
    indices, pairs = batch_pair_token_indices(batch)
    assert pairs == [[(0, 1), (1, 0)], [], ordered_pairs(3)]
    assert indices.tolist() == [
        [0, 1, 3], [0, 3, 1],
        [2, 0, 2], [2, 0, 4], [2, 2, 0], [2, 2, 4], [2, 4, 0], [2, 4, 2],
    ]


def test_no_entities_give_an_empty_index_tensor():
    indices, pairs = batch_pair_token_indices([[], []])
    assert indices.shape == (0, 3) and indices.dtype == torch.long
    assert pairs == [[], []]


def test_pair_labels_need_exact_entities_and_direction():
    peop, loc = Entity(0, 2, "Peop"), Entity(3, 4, "Loc")
    gold = {(entity_key(peop), entity_key(loc)): "Live_In"}
    predicted = [Entity(0, 2, "Peop", score=0.9), Entity(3, 4, "Loc"), Entity(5, 6, "Org")]
    labels = pair_labels(predicted, ordered_pairs(3), gold, "NEG")
    # (0,1) matches in the gold direction; (1,0) is the wrong direction; pairs with Org are not gold.
    assert labels == ["Live_In", "NEG", "NEG", "NEG", "NEG", "NEG"]
    wrong_type = [Entity(0, 2, "Org"), Entity(3, 4, "Loc")]
    wrong_span = [Entity(1, 2, "Peop"), Entity(3, 4, "Loc")]
    assert pair_labels(wrong_type, [(0, 1)], gold, "NEG") == ["NEG"]
    assert pair_labels(wrong_span, [(0, 1)], gold, "NEG") == ["NEG"]


@pytest.mark.parametrize("chunk_size", [None, 1, 2, 3, 5, 100])
def test_score_in_chunks_equals_scoring_everything_at_once(chunk_size):
    pairs = torch.tensor([[0, 1, 2], [0, 2, 1], [1, 0, 3], [1, 3, 0], [1, 1, 2]])
    calls = []

    def score(chunk):
        calls.append(chunk.size(0))
        return {"sum": chunk.sum(dim=1).float(), "head": chunk[:, 1] * 10}

    scores = score_in_chunks(score, pairs, chunk_size)
    assert scores["sum"].tolist() == [3.0, 3.0, 4.0, 4.0, 4.0]
    assert scores["head"].tolist() == [10, 20, 0, 30, 10]
    assert max(calls) <= (chunk_size or 5) and sum(calls) == 5
    assert score_in_chunks(lambda chunk: chunk[:, 0] * 2, pairs, chunk_size).tolist() == [0, 0, 2, 2, 2]


def test_score_in_chunks_scores_no_pairs_once():
    empty = torch.zeros((0, 3), dtype=torch.long)
    assert score_in_chunks(lambda chunk: chunk[:, 0].float(), empty, 2).shape == (0,)
