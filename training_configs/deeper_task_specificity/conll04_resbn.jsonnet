// CoNLL04 with every BiRNN stack (shared, NER, RE) replaced by ResBN-Transformer blocks
// (transformer encoder layer with positional encoding and layer norm, batch norm, residual),
// one block per layer of the default depths (1 shared, 1 NER, 2 RE), width 256, 4 heads. The
// ResBN-Transformer is the reimplementation report's extension of the model, not Crone (2020)'s.
// Use shared_stack / task_stack separately to replace only some stacks.
local dts = import 'deeper_task_specificity.libsonnet';

dts.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  shared_stack='resbn',
  task_stack='resbn',
  validation_metric=['+ner_macro_f1', '+rel_strict_macro_f1'],
)
