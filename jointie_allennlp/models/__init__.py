"""Models; each module registers its classes when imported."""
from jointie_allennlp.models.base import JointExtractionModel  # noqa: F401
from jointie_allennlp.models.biaffine import BiaffineJointModel  # noqa: F401
