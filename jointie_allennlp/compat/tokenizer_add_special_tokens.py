"""
transformers>=4.44: every `pretrained_transformer` tokenizer and indexer of allennlp 2.10.1 fails
(`add_special_tokens conflicts with the method add_special_tokens`); `get_tokenizer` stops passing
the option on. Test: tests/compat/tokenizer_add_special_tokens_test.py.
"""
import functools

from packaging.version import Version

from jointie_allennlp.patching import MARKER, transformers_version


def fix_get_tokenizer_add_special_tokens() -> bool:
    """Stop ``cached_transformers.get_tokenizer`` passing ``add_special_tokens``
    to ``AutoTokenizer.from_pretrained``.

    What breaks: ``PretrainedTransformerTokenizer.__init__`` calls
    ``cached_transformers.get_tokenizer(model_name, add_special_tokens=False,
    **tokenizer_kwargs)`` and ``_reverse_engineer_special_tokens`` calls it with
    ``add_special_tokens=True``.  ``get_tokenizer`` forwards all kwargs to
    ``AutoTokenizer.from_pretrained``, which forwards unknown kwargs to the
    tokenizer's ``__init__``.  Since transformers 4.44
    ``PreTrainedTokenizerBase.__init__`` rejects init kwargs that shadow a
    method, so every ``pretrained_transformer`` tokenizer / indexer /
    ``pretrained_transformer_mismatched`` indexer fails with::

        AttributeError: add_special_tokens conflicts with the method
        add_special_tokens in BertTokenizerFast

    Reproduced with transformers 4.49 on a tiny local BERT:
    ``PretrainedTransformerTokenizer("/tmp/tiny_bert")`` raises the error above.

    Why dropping it is safe: it is not a tokenizer constructor option; before
    4.44 it just ended up in ``tokenizer.init_kwargs``.  Encoding never
    depended on it: allennlp passes ``add_special_tokens=`` explicitly to every
    ``encode`` / ``encode_plus`` call (and the special-token layout is
    reverse-engineered from explicit calls too).

    The fix replaces the module attribute ``cached_transformers.get_tokenizer``
    with a copy that keeps allennlp's cache (key ``(model_name, hash_object(kwargs))``
    over the *original* kwargs; ``_clear_caches()`` still clears it) but loads with
    ``add_special_tokens`` removed. Requests that differ only in what is not a
    load option (``add_special_tokens``; ``use_fast=True``, AutoTokenizer's
    default, given or not) get the one tokenizer loaded with those options: a
    model's reader, indexer and special-token probe load its tokenizer once.  All callers in allennlp 2.10.1 and
    allennlp-models 2.10.1 look the function up as
    ``cached_transformers.get_tokenizer`` at call time (checked with grep:
    pretrained_transformer_tokenizer.py, data_collator.py, vocabulary.py,
    allennlp_models/mc/dataset_readers/transformer_mc_tt.py; nothing does
    ``from ...cached_transformers import get_tokenizer``), so they all pick up
    the patched function.

    Returns True if the patch was installed (or already present).
    """
    if transformers_version() < Version("4.44"):
        return False
    import transformers
    from allennlp.common import cached_transformers

    if getattr(cached_transformers.get_tokenizer, MARKER, False):
        return True
    original = cached_transformers.get_tokenizer

    @functools.wraps(original)
    def get_tokenizer(model_name: str, **kwargs) -> transformers.PreTrainedTokenizer:
        from allennlp.common.util import hash_object

        cache_key = (model_name, hash_object(kwargs))
        cache = cached_transformers._tokenizer_cache
        tokenizer = cache.get(cache_key, None)
        if tokenizer is None:
            from jointie_allennlp.encoders.build import require_built_encoder

            load_kwargs = {"use_fast": True, **{k: v for k, v in kwargs.items() if k != "add_special_tokens"}}
            loaded_key = (model_name, hash_object(("loaded with", sorted(load_kwargs.items(), key=lambda kv: kv[0]))))
            tokenizer = cache.get(loaded_key, None)
            if tokenizer is None:
                require_built_encoder(model_name)
                tokenizer = transformers.AutoTokenizer.from_pretrained(model_name, **load_kwargs)
                cache[loaded_key] = tokenizer
            cache[cache_key] = tokenizer
        return tokenizer

    setattr(get_tokenizer, MARKER, True)
    get_tokenizer.__wrapped_original__ = original
    cached_transformers.get_tokenizer = get_tokenizer
    return True
