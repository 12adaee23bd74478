"""
allennlp's encoder loading (`cached_transformers`) with an `AutoModel` that imports only the model
it loads. transformers' `AutoModel.from_pretrained` / `from_config` ask whether the config's class
is known with `type(config) in MODEL_MAPPING.keys()`, and `keys()` imports the configuration module
of every model transformers ships (about 280 packages, each scanning its files) to answer. Here the
question goes to the mapping's own `__contains__`, which answers from the config class's name, and
the class is checked against the one transformers has under that name (importing that model's
configuration only); everything else (hub options, remote code, the choice of class) is transformers' code.
Test: tests/encoders/auto_model_test.py.
"""
from jointie_allennlp.patching import MARKER


def knows(mapping, config_class) -> bool:
    """Whether `config_class` is a key of the model `mapping`, importing at most its own model's
    configuration: known by name (the mapping's `__contains__`), and the very class transformers
    has under that name (a remote-code config may share a built-in's name)."""
    if config_class not in mapping:
        return False
    if config_class in mapping._extra_content:  # registered at run time
        return True
    model_type = mapping._reverse_config_mapping[config_class.__name__]
    return mapping._load_attr_from_module(model_type, config_class.__name__) is config_class


class _KnownConfigs:
    """The keys of a model mapping: `in` asks `knows`; iterating lists them as `keys()` does."""

    def __init__(self, mapping) -> None:
        self._mapping = mapping

    def __contains__(self, config_class) -> bool:
        return knows(self._mapping, config_class)

    def __iter__(self):
        return iter(self._mapping.keys())


class ModelMappingByName:
    """
    A transformers model mapping (`MODEL_MAPPING`) whose `keys()` answers `in` without importing
    every model; item lookup, `register` and the rest go to the mapping itself.

    # Parameters

    mapping : `transformers.models.auto.auto_factory._LazyAutoMapping` the mapping.
    """

    def __init__(self, mapping) -> None:
        self._mapping = mapping

    def keys(self) -> _KnownConfigs:
        return _KnownConfigs(self._mapping)

    def __contains__(self, config_class) -> bool:
        return knows(self._mapping, config_class)

    def __getitem__(self, config_class):
        return self._mapping[config_class]

    def __getattr__(self, name):
        return getattr(self._mapping, name)


def install() -> bool:
    """Gives allennlp's `cached_transformers` an `AutoModel` whose mapping is `ModelMappingByName`
    (same class name, so a config's `auto_map` still finds its remote code). Idempotent; returns True."""
    from allennlp.common import cached_transformers
    from transformers import AutoModel
    from transformers.models.auto.modeling_auto import MODEL_MAPPING

    if getattr(cached_transformers.AutoModel, MARKER, False):
        return True
    lean = type("AutoModel", (AutoModel,), {
        "_model_mapping": ModelMappingByName(MODEL_MAPPING),
        "__module__": __name__,
        "__doc__": "transformers' AutoModel, asking its mapping for a config class by name.",
        MARKER: True,
    })
    cached_transformers.AutoModel = lean
    return True
