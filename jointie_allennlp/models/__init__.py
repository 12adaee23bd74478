"""Models; each module registers its classes when imported."""
from jointie_allennlp.models.base import JointExtractionModel  # noqa: F401
from jointie_allennlp.models.biaffine_joint import BiaffineJointModel  # noqa: F401
from jointie_allennlp.models.deeper_task_specificity import DeeperTaskSpecificityModel  # noqa: F401
from jointie_allennlp.models.bio_tagger import BioTaggerModel  # noqa: F401
from jointie_allennlp.models.marked_entity import MarkedEntityModel  # noqa: F401
from jointie_allennlp.models.spert import SpertModel  # noqa: F401
from jointie_allennlp.models.spert_mt import SpertMTModel  # noqa: F401
