from jointie_allennlp.dataset_readers.document_reader import DocumentReader, read_documents  # noqa: F401
from jointie_allennlp.dataset_readers.biaffine_joint import BiaffineJointReader  # noqa: F401
from jointie_allennlp.dataset_readers.deeper_task_specificity import DeeperTaskSpecificityReader  # noqa: F401
from jointie_allennlp.dataset_readers.bio_tagger import BioTaggerReader  # noqa: F401
from jointie_allennlp.dataset_readers.marked_entity import MarkedEntityReader  # noqa: F401
from jointie_allennlp.dataset_readers.spert import SpertReader  # noqa: F401
