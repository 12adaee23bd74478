"""A data loader's `batch_size` sets the batch size of its `batch_sampler` (`allennlp evaluate --batch-size`)."""
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TRAIN = FIXTURES / "spert_json" / "conll04_like_train.json"


def test_batch_size_sets_the_bucket_sampler_batch_size():
    from allennlp.common import Params
    from allennlp.data import DataLoader

    from jointie_allennlp.dataset_readers.spert import SpertReader

    reader = SpertReader(transformer_model_name=str(FIXTURES / "tiny_bert"))
    params = Params({"batch_sampler": {"type": "bucket", "batch_size": 8, "sorting_keys": ["tokens"]}, "batch_size": 3})
    loader = DataLoader.from_params(params, reader=reader, data_path=str(TRAIN))
    assert loader.batch_sampler.batch_size == 3
    loader.index_with(reader_vocabulary(loader))
    assert sorted(len(batch["metadata"]) for batch in loader) == [1, 3, 3, 3]  # 10 sentences


def reader_vocabulary(loader):
    from allennlp.data import Vocabulary

    return Vocabulary.from_instances(loader.iter_instances())
