"""Tests of jointie_allennlp.compat.gradient_checkpointing.

The unpatched behaviour (reached through the wrapper's `__wrapped__` / `__wrapped_original__`) shows
the breakage on the installed versions; the patched path shows the fix.
"""
import pytest
import torch


def test_unpatched_gradient_checkpointing_option_does_nothing(tiny_bert):
    from allennlp.modules.token_embedders import PretrainedTransformerEmbedder

    embedder = PretrainedTransformerEmbedder.__new__(PretrainedTransformerEmbedder)
    PretrainedTransformerEmbedder.__init__.__wrapped__(embedder, tiny_bert, gradient_checkpointing=True)
    assert embedder.transformer_model.config.gradient_checkpointing is True
    assert not embedder.transformer_model.is_gradient_checkpointing


@pytest.mark.parametrize("option", [True, False, None])
def test_gradient_checkpointing_option_checkpoints_with_the_same_gradients(tiny_bert, option):
    from allennlp.modules.token_embedders import PretrainedTransformerEmbedder

    plain = PretrainedTransformerEmbedder(tiny_bert)
    embedder = PretrainedTransformerEmbedder(tiny_bert, gradient_checkpointing=option)
    assert embedder.transformer_model.is_gradient_checkpointing is (option is True)
    token_ids = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])
    mask = token_ids != 0
    gradients = []
    for model in (plain, embedder):
        model.train()
        model.zero_grad()
        torch.manual_seed(3)  # the same dropout draws; checkpointing replays them in the recomputation
        model(token_ids, mask).pow(2).sum().backward()
        gradients.append({name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None})
    assert gradients[0].keys() == gradients[1].keys() and len(gradients[0]) > 10
    for name, gradient in gradients[0].items():
        torch.testing.assert_close(gradients[1][name], gradient, rtol=1e-5, atol=1e-6, msg=name)
