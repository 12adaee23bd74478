// CoNLL04 with SpERT.MT on a CPU budget: SpERT's CPU schedule (../spert/conll04_fast.jsonnet:
// batches of 4, lr 7e-5, word-piece embeddings frozen, 18 epochs) on the model and data of
// conll04.jsonnet. FINAL_RUN=1 trains on train+dev; NUM_EPOCHS / BATCH_SIZE still override.
local spert_mt = import 'spert_mt.libsonnet';

spert_mt.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  final_train_path='conll04/conll04_train_dev.json',
  batch_size=4,
  lr=7e-5,
  num_epochs=18,
  freeze_word_embeddings=true,
)
