// RuREBus (Russian business reports, brat). ../shared/data/rurebus/train holds the train set
// only: split it by document into two brat directories and point TRAIN_DATA_PATH and
// VALIDATION_DATA_PATH at them (defaults: rurebus/train and rurebus/dev under JOINTIE_DATA_DIR).
// Text is segmented with razdel. Brat "sentences" can be long, so sentences of up to 4096 word
// pieces are encoded in segments of 512. Encoder: the multilingual-e5-small built by `make encoder-ru`
// (JOINTIE_RU_ENCODER), or any Hugging Face name or path in TRANSFORMER_MODEL.
local spert_mt = import 'spert_mt.libsonnet';

spert_mt.config(
  train_path='rurebus/train',
  validation_path='rurebus/dev',
  test_path=null,
  tokenizer='razdel',
  language='ru',
  max_length=4096,
  segment_length=512,
)
