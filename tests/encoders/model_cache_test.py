"""Tests of jointie_allennlp.encoders.model_cache.

The unpatched behaviour (reached through the wrapper's `__wrapped__` / `__wrapped_original__`) shows
the breakage on the installed versions; the patched path shows the fix.
"""
import torch
import transformers
from allennlp.common import cached_transformers


def test_unpatched_model_cache_ignores_the_model_kwargs(tiny_bert):
    original = cached_transformers.get.__wrapped_original__
    cached_transformers._clear_caches()
    try:
        original(tiny_bert, True)
        assert original(tiny_bert, True, attention_probs_dropout_prob=0.0).config.attention_probs_dropout_prob == 0.1
    finally:
        cached_transformers._clear_caches()


def test_model_cache_keeps_apart_kwargs_and_models_loaded_without_weights(tiny_bert):
    cached_transformers._clear_caches()
    try:
        pretrained = transformers.AutoModel.from_pretrained(tiny_bert).embeddings.word_embeddings.weight
        random_init = cached_transformers.get(tiny_bert, True, load_weights=False)
        assert not torch.equal(random_init.embeddings.word_embeddings.weight, pretrained)
        plain = cached_transformers.get(tiny_bert, True)
        assert torch.equal(plain.embeddings.word_embeddings.weight, pretrained)
        lean = cached_transformers.get(tiny_bert, True, attention_probs_dropout_prob=0.0)
        assert lean.config.attention_probs_dropout_prob == 0.0 and plain.config.attention_probs_dropout_prob == 0.1
        assert torch.equal(lean.embeddings.word_embeddings.weight, pretrained)
        again = cached_transformers.get(tiny_bert, False, attention_probs_dropout_prob=0.0)
        assert again is cached_transformers.get(tiny_bert, False, attention_probs_dropout_prob=0.0)  # cached
        assert cached_transformers.get(tiny_bert, False).config.attention_probs_dropout_prob == 0.1
    finally:
        cached_transformers._clear_caches()
