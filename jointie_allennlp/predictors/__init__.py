from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor  # noqa: F401
from jointie_allennlp.predictors.marked_entity import MarkedEntityPredictor  # noqa: F401
from jointie_allennlp.predictors.pipeline import PipelinePredictor  # noqa: F401
