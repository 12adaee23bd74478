// CoNLL04 (SpERT JSON split: train 922, dev 231, test 288 sentences). The paper reports macro F1
// (NER 87.00, RE 72.63 with ELMo); see conll04_transformer.jsonnet for the transformer variant.
local dts = import 'deeper_task_specificity.libsonnet';

dts.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  validation_metric=['+ner_macro_f1', '+rel_strict_macro_f1'],
)
