import torch

from jointie_allennlp.modules.span_decoding import (
    argmax_above,
    canonical_relations,
    first_occurrences,
    multilabel_above,
    top_per_group,
)


def test_multilabel_threshold_keeps_every_type_above():
    probabilities = torch.tensor([[0.39, 0.4, 0.9], [0.1, 0.2, 0.3]])
    rows, classes, scores = multilabel_above(probabilities, 0.4)
    assert rows.tolist() == [0, 0] and classes.tolist() == [1, 2]
    assert torch.allclose(scores, torch.tensor([0.4, 0.9]))


def test_argmax_threshold_on_class_scores():
    scores = torch.tensor([[0.2, 1.3, -1.0], [0.84, 0.1, 0.0], [0.85, 0.86, 0.0]])
    classes, best, accepted = argmax_above(scores, 0.85)
    assert classes.tolist() == [1, 0, 1]
    assert accepted.tolist() == [True, False, True]
    assert torch.allclose(best, torch.tensor([1.3, 0.84, 0.86]))


def test_top_per_group_keeps_the_best_of_each_group_ties_to_the_earlier():
    groups = torch.tensor([0, 1, 0, 0, 1, 2, 0])
    scores = torch.tensor([0.5, 0.1, 0.9, 0.5, 0.2, 0.3, 0.7])
    assert top_per_group(groups, scores, 2).tolist() == [False, True, True, False, True, True, True]
    assert top_per_group(groups, scores, 3).tolist() == [True, True, True, False, True, True, True]
    assert top_per_group(groups, scores, 1).tolist() == [False, False, True, False, True, True, False]
    assert top_per_group(torch.tensor([], dtype=torch.long), torch.tensor([]), 1).tolist() == []


def test_first_occurrences_in_input_order():
    assert first_occurrences(torch.tensor([7, 3, 7, 5, 3, 9])).tolist() == [0, 1, 3, 5]
    assert first_occurrences(torch.tensor([], dtype=torch.long)).tolist() == []


def test_canonical_relations_turn_symmetric_ones_and_drop_repeats():
    # rows (batch, head, tail); type 1 is symmetric in batch 0 only
    pairs = torch.tensor([[0, 0, 1], [0, 1, 0], [0, 1, 0], [1, 1, 0], [0, 2, 1]])
    types = torch.tensor([1, 1, 0, 1, 1])
    head_starts = torch.tensor([0, 4, 4, 4, 6])
    tail_starts = torch.tensor([4, 0, 0, 0, 6])  # the last pair starts at the same word: kept as is
    symmetric = torch.tensor([[False, True], [False, False]])
    canonical, index = canonical_relations(pairs, types, head_starts, tail_starts, symmetric)
    # row 1 (0, 1->0, type 1) turns into row 0's (0, 0->1, type 1) and is dropped
    assert index.tolist() == [0, 2, 3, 4]
    assert canonical.tolist() == [[0, 0, 1], [0, 1, 0], [1, 1, 0], [0, 2, 1]]
    turned, index = canonical_relations(pairs[1:2], types[1:2], head_starts[1:2], tail_starts[1:2], symmetric)
    assert turned.tolist() == [[0, 0, 1]] and index.tolist() == [0]
