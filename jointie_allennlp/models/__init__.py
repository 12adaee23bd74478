"""Models; each module registers its classes when imported."""
from jointie_allennlp.models.base import JointExtractionModel  # noqa: F401
from jointie_allennlp.models.biaffine import BiaffineJointModel  # noqa: F401
from jointie_allennlp.models.deeper_task_specificity import DeeperTaskSpecificityModel  # noqa: F401
from jointie_allennlp.models.ner_tagger import BioTaggerModel  # noqa: F401
from jointie_allennlp.models.marked_entity import MarkedEntityModel  # noqa: F401
from jointie_allennlp.models.spert import SpertModel, SpertMTModel  # noqa: F401
