// CoNLL04 (SpERT JSON split: train 922, dev 231, test 288 sentences; train_dev = train + dev).
// FINAL_RUN=1 trains on conll04_train_dev.json for the test score, as the papers.
local spert = import 'spert.libsonnet';

spert.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  final_train_path='conll04/conll04_train_dev.json',
)
