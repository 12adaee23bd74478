// CoNLL04 with a word-level (mismatched) transformer embedding added to the word, character and
// casing features, in place of the paper's ELMo (which cannot be downloaded here): frozen, a
// learned scalar mix of its layers, as ELMo is used. TRANSFORMER_MODEL picks the model (default
// the offline all-MiniLM-L6-v2).
local dts = import 'deeper_task_specificity.libsonnet';

dts.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  transformer=true,
  validation_metric=['+ner_macro_f1', '+rel_strict_macro_f1'],
)
