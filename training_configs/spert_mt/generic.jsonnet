// spert_mt on your own data: no data-set defaults (../common.libsonnet `own_data`).
//   TRAIN_DATA_PATH=my/train VALIDATION_DATA_PATH=my/dev allennlp train training_configs/spert_mt/generic.jsonnet \
//       -s runs/mine --include-package jointie_allennlp
// TEST_DATA_PATH (optional), TYPES_FILE (optional), and the variables of spert_mt.libsonnet
// (TRANSFORMER_MODEL, NUM_EPOCHS, BATCH_SIZE, SEED, CUDA_DEVICE, ...). `jointie train spert_mt` sets them.
local common = import '../common.libsonnet';
local spert_mt = import 'spert_mt.libsonnet';

common.own_data(spert_mt.config(train_path=null, validation_path=null, test_path=null, tokenizer='auto'))
