// deeper_task_specificity on your own data: no data-set defaults (../common.libsonnet `own_data`).
//   TRAIN_DATA_PATH=my/train VALIDATION_DATA_PATH=my/dev allennlp train \
//       training_configs/deeper_task_specificity/generic.jsonnet -s runs/mine --include-package jointie_allennlp
// TEST_DATA_PATH (optional), TYPES_FILE (optional), and the variables of deeper_task_specificity.libsonnet
// (WORD_VECTORS, NUM_EPOCHS, BATCH_SIZE, SEED, CUDA_DEVICE, ...). Words and characters are embedded
// from scratch (or from WORD_VECTORS); TRANSFORMER_MODEL adds a frozen transformer (the
// conll04_transformer variant). `jointie train deeper_task_specificity` sets them.
local common = import '../common.libsonnet';
local dts = import 'deeper_task_specificity.libsonnet';

common.own_data(dts.config(
  train_path=null,
  validation_path=null,
  test_path=null,
  tokenizer='auto',
  transformer=common.extVarOr('TRANSFORMER_MODEL', '') != '',
))
