// RuREBus subtask 2 on a CPU budget, the project's choice: the settings of the recorded relation
// rows (docs/results-notes/rurebus.md) as one config. Against re.jsonnet: batches of 8, instances cut at 256 word pieces, the encoder at lr 5e-5 and
// the heads at 1e-3, 2 epochs, and the two imbalance switches on (a tenth of the main entities
// without relations kept for training, label "0" weighted 0.5), without which a short schedule
// predicts no relation. MAIN_WITHOUT_RELATIONS, NO_RELATION_WEIGHT, NUM_EPOCHS and BATCH_SIZE
// still override; RELATION_DIRECTIONS=both labels the relations of the main entity in both directions.
local common = import '../common.libsonnet';
local rurebus = import 'rurebus.libsonnet';

rurebus.re(
  num_epochs=2,
  batch_size=8,
  max_length=256,
  lr=5e-5,
  head_lr=1e-3,
  main_without_relations=common.numberVarOr('MAIN_WITHOUT_RELATIONS', 0.1),
  no_relation_weight=common.numberVarOr('NO_RELATION_WEIGHT', 0.5),
)
