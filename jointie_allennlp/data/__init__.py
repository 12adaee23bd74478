from jointie_allennlp.data.document import Document, Entity, Relation, Span  # noqa: F401
from jointie_allennlp.data.errors import FormatError  # noqa: F401
