// ADE (fold ADE_FOLD, default 0; SpERT JSON, 10-fold cross-validation: ade_split_<k>_train.json / ade_split_<k>_test.json).
// ADE is not shipped here: put the files under $JOINTIE_DATA_DIR/ade/ or set TRAIN_DATA_PATH /
// TEST_DATA_PATH. No development split: without VALIDATION_DATA_PATH the last epoch is kept.
// The paper reports macro F1 averaged over the folds. ADE has overlapping entities: the reader
// counts and logs those the BIO tags cannot express.
local common = import '../common.libsonnet';
local dts = import 'deeper_task_specificity.libsonnet';

dts.config(
  train_path=common.ade_split('train'),
  validation_path=null,
  test_path=common.ade_split('test'),
  num_epochs=30,
  validation_metric=['+ner_macro_f1', '+rel_strict_macro_f1'],
)
