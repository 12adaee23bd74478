// The RuREBus relation model (`marked_entity`: a marked main entity, a relation label per word)
// on CoNLL04 (English, SpERT JSON) with the gold entities given: RE as sequence labelling next to
// the other approaches' gold-entity RE scores. Same template as training_configs/rurebus/re.jsonnet.
local rurebus = import '../rurebus/rurebus.libsonnet';

rurebus.re(
  num_epochs=5,
  ner_weight=0.1,
  relation_weight=1.0,
  typed_markers=true,
  lr=5e-5,
  head_lr=1e-3,
  weight_decay=0.01,
  language='en',
  types=['Loc', 'Org', 'Peop', 'Other'],
  relations=['Kill', 'Live_In', 'Located_In', 'OrgBased_In', 'Work_For'],
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
)
