from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric, evaluate_documents  # noqa: F401
