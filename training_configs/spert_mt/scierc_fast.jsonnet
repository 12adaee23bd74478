// SciERC with spert_mt on a CPU budget: the schedule of conll04_fast.jsonnet (batch 4, lr 7e-5, word-piece
// embeddings frozen, 18 epochs), trained on train only with no validation (the last epoch is kept,
// nothing is selected on dev), so that SciERC dev can serve as the test set when the test split is
// absent (benchmarks/matrix.json scores it so). TEST_DATA_PATH adds a test set.
local spert_mt = import 'spert_mt.libsonnet';

spert_mt.config(
  train_path='scierc/scierc_train.json',
  validation_path=null,
  test_path=null,
  batch_size=4,
  lr=7e-5,
  num_epochs=18,
  freeze_word_embeddings=true,
)
