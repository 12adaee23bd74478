// SciERC (SpERT JSON). The test split is not in ../shared/data: set TEST_DATA_PATH or put
// scierc_test.json beside the others. Compare and Conjunction are symmetric (scierc_types.json).
// SciERC has nested entities (61 of 5,598 in the train split): the reader drops them from the
// training labels, counts and logs them; the metric still counts them as missed.
local biaffine = import 'biaffine.libsonnet';

biaffine.config(
  train_path='scierc/scierc_train.json',
  validation_path='scierc/scierc_dev.json',
  test_path=null,
  num_epochs=10,
)
