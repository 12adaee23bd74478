import torch

from jointie_allennlp.modules.span_decoding import argmax_above, multilabel_above


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
