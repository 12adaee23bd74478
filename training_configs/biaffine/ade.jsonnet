// ADE (fold ADE_FOLD, default 0; adverse drug events; SpERT JSON, 10-fold cross-validation: ade_split_<k>_train.json /
// ade_split_<k>_test.json). ADE is not shipped here: put the SpERT files under
// $JOINTIE_DATA_DIR/ade/ (default ../shared/data/ade/) or set TRAIN_DATA_PATH / TEST_DATA_PATH.
// ADE has no development split: without VALIDATION_DATA_PATH the last epoch is kept (no model
// selection on the test fold). The paper reports macro F1 averaged over the 10 folds
// (`rel_strict_macro_f1`, `ner_macro_f1`). ADE has overlapping entities; the reader counts
// and logs those BIOES cannot express; relations between overlapping entities are removed from
// train and test as in the paper (the reader logs how many).
local common = import '../common.libsonnet';
local biaffine = import 'biaffine.libsonnet';

biaffine.config(
  train_path=common.ade_split('train'),
  validation_path=null,
  test_path=common.ade_split('test'),
  num_epochs=10,
  drop_overlapping_relations=true,  // as Giorgi et al.: relations between overlapping entities removed
)
