// RuREBus subtask 2: relations between given entities as sequence labelling with a marked main
// entity; the paper's final settings (untyped markers [E] ... [/E], NER weight 0, lr 2e-5, weight
// decay 0.1, dropout 0.1) with the project's own schedule (5 epochs, batch 16, AdamW, slanted
// triangular; see rurebus.libsonnet). Switches: rurebus.re(typed_markers=true, ner_weight=0.1);
// RELATION_DIRECTIONS=both labels the relations of the main entity in both directions.
local rurebus = import 'rurebus.libsonnet';

rurebus.re(num_epochs=5)
