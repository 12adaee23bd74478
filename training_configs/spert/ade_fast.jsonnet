// ADE fold ADE_FOLD (default 0) with spert on a CPU budget: the schedule of conll04_fast.jsonnet
// (batch 4, lr 7e-5, word-piece embeddings frozen, 18 epochs). ADE has no development split: the
// last epoch is kept, as in the papers, which report macro F1 averaged over the 10 folds.
local common = import '../common.libsonnet';
local spert = import 'spert.libsonnet';

spert.config(
  train_path=common.ade_split('train'),
  validation_path=null,
  test_path=common.ade_split('test'),
  batch_size=4,
  lr=7e-5,
  num_epochs=18,
  freeze_word_embeddings=true,
)
