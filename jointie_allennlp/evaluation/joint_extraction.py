"""`allennlp evaluate --predictions-output-file`: one prediction record per evaluated instance."""
from typing import Callable, Dict, Optional

from allennlp.data import DataLoader
from allennlp.evaluation.serializers.serializers import Serializer

from jointie_allennlp.data.schema import entity_to_json, prediction_to_json, relation_to_json
from jointie_allennlp.predictors.lines import dump_record


@Serializer.register("joint_extraction")
class JointExtractionSerializer(Serializer):
    """
    Writes the predicted documents of a batch (`output_dict["document"]`) in the shared
    prediction schema, one JSON line per instance (a sentence or a marked-entity instance),
    with the instance's gold annotations (`metadata["document"]`, unless the reader marked the
    instance unlabelled) as `gold_entities` / `gold_relations`.
    The configs select it with `"evaluation": {"batch_serializer": {"type": "joint_extraction"}}`.
    """

    def __call__(
        self,
        batch: Dict,
        output_dict: Dict,
        data_loader: DataLoader,
        output_postprocess_function: Optional[Callable] = None,
    ) -> str:
        lines = []
        for metadata, predicted in zip(batch["metadata"], output_dict["document"]):
            record = prediction_to_json(predicted)
            gold = metadata.get("document")
            if gold is not None and metadata.get("labelled", True):
                record["gold_entities"] = [entity_to_json(gold, entity) for entity in gold.entities]
                record["gold_relations"] = [relation_to_json(relation) for relation in gold.relations]
            lines.append(dump_record(record).rstrip("\n"))  # the line every prediction writer writes
        return "\n".join(lines)

    def _to_params(self) -> Dict:
        return {"type": "joint_extraction"}
