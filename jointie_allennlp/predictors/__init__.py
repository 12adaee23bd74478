from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor  # noqa: F401
