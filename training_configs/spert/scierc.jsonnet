// SciERC (SpERT JSON; train 1,861 sentences). The test split is not in ../shared/data: set
// TEST_DATA_PATH or put scierc_test.json beside the others. Compare and Conjunction are symmetric
// (scierc_types.json). Nested entities are fine for span models. FINAL_RUN=1 trains on
// scierc_train_dev.json (make it by concatenating train and dev).
local spert = import 'spert.libsonnet';

spert.config(
  train_path='scierc/scierc_train.json',
  validation_path='scierc/scierc_dev.json',
  test_path=null,
  final_train_path='scierc/scierc_train_dev.json',
)
