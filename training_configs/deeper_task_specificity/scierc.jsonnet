// SciERC (SpERT JSON). The test split is not in ../shared/data: set TEST_DATA_PATH or put
// scierc_test.json beside the others. SciERC has nested entities: the reader drops them from the
// training labels, counts and logs them; the metric still counts them as missed.
local dts = import 'deeper_task_specificity.libsonnet';

dts.config(
  train_path='scierc/scierc_train.json',
  validation_path='scierc/scierc_dev.json',
  test_path=null,
)
