// RuREBus subtask 2: relations between given entities as sequence labelling with a marked main
// entity (typed markers [MET] ... [/MET]), loss = 0.1 CE_ner + 1 CE_rel (see rurebus.libsonnet).
local rurebus = import 'rurebus.libsonnet';

rurebus.re(num_epochs=5, ner_weight=0.1, relation_weight=1.0)
