// RuREBus (Russian business reports, brat). ../shared/data/rurebus/train holds the train set only:
// split it by document into two brat directories and point TRAIN_DATA_PATH and
// VALIDATION_DATA_PATH at them (defaults rurebus/train and rurebus/dev under JOINTIE_DATA_DIR).
// Text is segmented with razdel; brat "sentences" can be long (joined where an annotation crosses
// them), which the BiRNNs handle as they are. Word vectors: 300-d, for the Russian navec vectors
// (`python -m jointie_allennlp encoder build navec navec.txt --prune-to <corpus>`, then WORD_VECTORS=navec.txt).
// Batch 8 is the project's choice for the long RuREBus sentences on a CPU (neither the paper nor the
// reimplementation report has a Russian run); the other settings are those of config(...).
local dts = import 'deeper_task_specificity.libsonnet';

dts.config(
  train_path='rurebus/train',
  validation_path='rurebus/dev',
  test_path=null,
  tokenizer='razdel',
  language='ru',
  batch_size=8,
  word_dim=300,
)
