// CoNLL04 with SpERT on a CPU budget: the same model and data as conll04.jsonnet (the paper's
// schedule: batch 2, lr 5e-5, 20 epochs), trained with batches of 8 and a learning rate scaled
// with the batch (1e-4), warm-up over the first 10% of the steps, over 12 epochs. On 2 CPU cores a
// batch of 8 sentences costs little more than a batch of 2 (the encoder's matrix products are
// better used), so an epoch takes about half as long; the README ("Time to accuracy") gives the
// measured curves of both schedules. FINAL_RUN=1 trains on train+dev; NUM_EPOCHS / BATCH_SIZE
// still override.
local spert = import 'spert.libsonnet';

spert.config(
  train_path='conll04/conll04_train.json',
  validation_path='conll04/conll04_dev.json',
  test_path='conll04/conll04_test.json',
  final_train_path='conll04/conll04_train_dev.json',
  batch_size=8,
  lr=1e-4,
  num_epochs=12,
)
