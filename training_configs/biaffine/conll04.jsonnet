// CoNLL04 (SpERT JSON split: train 922, dev 231, test 288 sentences).
local biaffine = import 'biaffine.libsonnet';

biaffine.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  final_train_path='conll04/conll04_train_dev.json',  // FINAL_RUN=1: 1,153 sentences, last epoch
  num_epochs=10,
)
