"""
Encoders cached by all their settings: allennlp's transformer cache (`cached_transformers.get`)
also keyed by `load_weights` and the model kwargs, so a second encoder of the same name in one
process gets its own settings and weights. Test: tests/encoders/model_cache_test.py.
"""
import functools

from jointie_allennlp.patching import MARKER


def install() -> bool:
    """Key ``cached_transformers.get``'s cache also by ``load_weights`` and the model kwargs.

    allennlp 2.10.1's ``get`` caches models under
    ``(model_name, override_weights_file, override_weights_strip_prefix, reinit_modules)``.
    A second request for the same encoder in one process gets the first one's model whatever
    its ``transformer_kwargs`` (e.g. ``attention_probs_dropout_prob``) or ``load_weights``:
    after an archive was loaded (``load_weights=False``: random weights, then the archive's
    state dict), a new embedder of that encoder starts from random weights instead of the
    pretrained ones. Reproduced on the tiny BERT of ``fixtures/``: ``get(name, True)`` then
    ``get(name, True, attention_probs_dropout_prob=0.0)`` returns dropout 0.1.

    This wraps ``get``: a request with kwargs or without weights is cached under its own key
    (in the same ``_model_cache``, so ``_clear_caches()`` still clears it); the plain request
    keeps allennlp's key and behaviour.

    Returns True if the patch was installed (or already present).
    """
    import copy

    from allennlp.common import cached_transformers
    from allennlp.common.util import hash_object

    if getattr(cached_transformers.get, MARKER, False):
        return True
    original = cached_transformers.get

    @functools.wraps(original)
    def get(model_name, make_copy, override_weights_file=None, override_weights_strip_prefix=None,
            reinit_modules=None, load_weights=True, **kwargs):
        arguments = (model_name, override_weights_file, override_weights_strip_prefix, reinit_modules)
        if load_weights and not kwargs:
            return original(*arguments[:1], make_copy, *arguments[1:])
        cache = cached_transformers._model_cache
        plain = cached_transformers.TransformerSpec(*arguments)
        key = (plain, load_weights, hash_object(kwargs))
        model = cache.get(key)
        if model is None:
            shadowed = cache.pop(plain, None)  # make allennlp load anew, with these settings
            try:
                model = original(model_name, False, override_weights_file, override_weights_strip_prefix,
                                 reinit_modules, load_weights, **kwargs)
            finally:
                cache.pop(plain, None)
                if shadowed is not None:
                    cache[plain] = shadowed
            cache[key] = model
        return copy.deepcopy(model) if make_copy else model

    setattr(get, MARKER, True)
    get.__wrapped_original__ = original
    cached_transformers.get = get
    return True
