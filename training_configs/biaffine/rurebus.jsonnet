// RuREBus (Russian business reports, brat). ../shared/data/rurebus/train holds the train set
// only: split it by document into two brat directories and point TRAIN_DATA_PATH and
// VALIDATION_DATA_PATH at them (defaults: rurebus/train and rurebus/dev under JOINTIE_DATA_DIR).
// Text is segmented with razdel. RuREBus has nested entities; the reader counts and logs those
// BIOES cannot express. A multilingual encoder fits Russian better than the default
// all-MiniLM-L6-v2 (TRANSFORMER_MODEL=bert-base-multilingual-cased, for example).
local biaffine = import 'biaffine.libsonnet';

biaffine.config(
  train_path='rurebus/train',
  validation_path='rurebus/dev',
  test_path=null,
  tokenizer='razdel',
  max_length=512,
  num_epochs=10,
)
