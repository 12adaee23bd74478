import math

import torch

from jointie_allennlp.modules.span_losses import iou_scaled_bce, pairwise_ranking_loss


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_ranking_loss_positive_and_negative_samples():
    scores = torch.tensor([[3.0, 1.0, -2.0], [0.5, -1.0, 0.2]])
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    loss = pairwise_ranking_loss(scores, targets, gamma=2.0, margin_positive=2.5, margin_negative=0.5)
    # positive: L+ on class 0 (score 3), L- on the best wrong class (1, score 1)
    expected_positive = softplus(2 * (2.5 - 3.0)) + softplus(2 * (0.5 + 1.0))
    # negative: only L- on its best class (0, score 0.5)
    expected_negative = softplus(2 * (0.5 + 0.5))
    assert torch.allclose(loss, torch.tensor([expected_positive, expected_negative]))


def test_ranking_loss_pushes_the_gold_score_up_and_the_best_wrong_score_down():
    scores = torch.tensor([[0.0, 1.0, 0.5]], requires_grad=True)
    pairwise_ranking_loss(scores, torch.tensor([[1.0, 0.0, 0.0]])).sum().backward()
    gradient = scores.grad[0]
    assert gradient[0] < 0 and gradient[1] > 0 and gradient[2] == 0  # only the highest wrong class


def test_ranking_loss_all_classes_gold_has_no_negative_term():
    loss = pairwise_ranking_loss(torch.tensor([[10.0]]), torch.tensor([[1.0]]))
    assert torch.allclose(loss, torch.tensor([softplus(2 * (2.5 - 10.0))]))


def test_iou_scaled_bce_hand_computed():
    logits = torch.tensor([0.0, 0.0, 2.0])
    targets = torch.tensor([1.0, 0.0, 0.0])
    iou = torch.tensor([1.0, 0.5, 0.0])
    loss = iou_scaled_bce(logits, targets, iou, delta=0.25)
    log_half = math.log(0.5)
    expected = [
        -(1 - 0.25) * log_half,  # positive: IoU plays no role
        -0.25 * (1 + 0.5) * log_half,  # negative overlapping a gold span by half
        -0.25 * math.log(1 - 1 / (1 + math.exp(-2.0))),
    ]
    assert torch.allclose(loss, torch.tensor(expected))
    # the larger the overlap, the larger the penalty for a negative span
    more = iou_scaled_bce(torch.tensor([0.0]), torch.tensor([0.0]), torch.tensor([0.9]))
    less = iou_scaled_bce(torch.tensor([0.0]), torch.tensor([0.0]), torch.tensor([0.1]))
    assert more > less
