// ADE (fold ADE_FOLD, default 0; SpERT JSON, 10-fold cross-validation: ade_split_<k>_train.json / ade_split_<k>_test.json,
// about 3,850 training sentences per fold). ADE is not shipped here: put the SpERT files under
// $JOINTIE_DATA_DIR/ade/ or set TRAIN_DATA_PATH / TEST_DATA_PATH. ADE has no development split:
// without VALIDATION_DATA_PATH the last epoch is kept, as in the papers, which report macro F1
// (`rel_strict_macro_f1`, `ner_macro_f1`) averaged over the 10 folds. Overlapping entities are
// fine for span models.
local common = import '../common.libsonnet';
local spert_mt = import 'spert_mt.libsonnet';

spert_mt.config(
  train_path=common.ade_split('train'),
  validation_path=null,
  test_path=common.ade_split('test'),
)
