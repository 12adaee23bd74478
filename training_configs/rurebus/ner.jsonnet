// RuREBus subtask 1: NER as BIO tagging (see rurebus.libsonnet for data, split and encoder).
local rurebus = import 'rurebus.libsonnet';

rurebus.ner(num_epochs=5)
