import torch

from jointie_allennlp.modules.span_sampling import (
    enumerate_spans,
    negative_pair_mask,
    ordered_pairs_of_selected,
    sample_from_mask,
    span_iou,
    span_matches,
)


def test_enumerate_spans_respects_sentence_length_and_width():
    spans, mask = enumerate_spans(torch.tensor([3, 1]), max_width=2)
    assert spans[0].tolist() == [[0, 1], [0, 2], [1, 2], [1, 3], [2, 3], [2, 4]]
    assert mask.tolist() == [[True, True, True, True, True, False], [True, False, False, False, False, False]]


def test_sample_from_mask_draws_distinct_allowed_positions():
    mask = torch.tensor([[True, False, True, True, False, True], [False, False, True, False, False, False]])
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        indices, valid = sample_from_mask(mask, 3, generator=generator)
        assert indices.shape == (2, 3)
        chosen = indices[0][valid[0]].tolist()
        assert len(chosen) == 3 == len(set(chosen)) and all(mask[0, i] for i in chosen)
        assert valid[1].tolist() == [True, False, False] and indices[1, 0] == 2
    # fewer candidates than requested: all of them
    indices, valid = sample_from_mask(mask, 10)
    assert sorted(indices[0][valid[0]].tolist()) == [0, 2, 3, 5]


def test_sampling_is_uniform_enough():
    mask = torch.ones(1, 4, dtype=torch.bool)
    counts = torch.zeros(4)
    generator = torch.Generator().manual_seed(1)
    for _ in range(2000):
        indices, _ = sample_from_mask(mask, 1, generator=generator)
        counts[indices[0, 0]] += 1
    assert (counts / 2000 - 0.25).abs().max() < 0.04


def test_span_matches_and_iou():
    spans = torch.tensor([[[0, 2], [1, 3], [5, 6], [2, 4]]])
    gold = torch.tensor([[[0, 2], [2, 4], [9, 9]]])
    gold_mask = torch.tensor([[True, True, False]])
    assert span_matches(spans, gold, gold_mask).tolist() == [[True, False, False, True]]
    # [1,3) vs [0,2): 1/3, vs [2,4): 1/3; [5,6): 0
    assert torch.allclose(span_iou(spans, gold, gold_mask), torch.tensor([[1.0, 1 / 3, 0.0, 1.0]]))
    assert span_iou(spans, gold[:, :0], gold_mask[:, :0]).tolist() == [[0.0] * 4]


def test_negative_pairs_exclude_related_self_and_symmetric_reverse():
    entity_mask = torch.tensor([[True, True, True, False]])
    related = torch.zeros(1, 4, 4, dtype=torch.bool)
    related[0, 0, 1] = True  # asymmetric 0 -> 1
    related[0, 1, 2] = True  # symmetric 1 -> 2
    symmetric = torch.zeros_like(related)
    symmetric[0, 1, 2] = True
    negatives = negative_pair_mask(entity_mask, related, symmetric)
    pairs = sorted(map(tuple, negatives[0].nonzero().tolist()))
    assert pairs == [(0, 2), (1, 0), (2, 0)]  # (2,1) is the symmetric reverse


def test_ordered_pairs_of_selected():
    selected = torch.tensor([[False, True, False, True, True], [True, False, False, False, False]])
    positions, pairs = ordered_pairs_of_selected(selected)
    assert positions[0, :3].tolist() == [1, 3, 4] and positions[1, 0] == 0
    assert pairs.tolist() == [[0, 0, 1], [0, 0, 2], [0, 1, 0], [0, 1, 2], [0, 2, 0], [0, 2, 1]]
