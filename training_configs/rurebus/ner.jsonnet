// RuREBus subtask 1: NER as BIO tagging; the paper's final settings (lr 5e-5, weight decay 0.1,
// dropout 0.2) with the project's own schedule (5 epochs, batch 16, AdamW, slanted triangular;
// see rurebus.libsonnet).
local rurebus = import 'rurebus.libsonnet';

rurebus.ner(num_epochs=5)
