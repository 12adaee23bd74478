// Giorgi et al. (2019): transformer + BIOES tagger + deep biaffine relation classifier.
//
// config(...) builds a full training config; every dataset file calls it. External variables
// (see ../common.libsonnet): TRANSFORMER_MODEL, TRAIN_DATA_PATH, VALIDATION_DATA_PATH,
// TEST_DATA_PATH, NUM_EPOCHS, BATCH_SIZE, CUDA_DEVICE, SEED, and FINAL_RUN: when set (e.g. 1),
// train on train+dev (`final_train_path`) without validation and keep the last epoch ("once
// hyperparameters are chosen, we train on the combined data ... and evaluate on the test set").
//
// Optimizer as the authors' code: AdamW with one learning rate `lr` for every parameter, weight
// decay 0.01 except on biases and LayerNorm weights. `head_lr` (default null) gives the heads a
// learning rate of their own instead (e.g. 5e-5 encoder, 1e-3 heads: the setup of the recorded
// CoNLL04 "default" row).
// Relation candidates: entities decoded as well-formed BIOES (model.strict_relation_candidates).
//
// Ablations (Giorgi et al. 2019, table 4) are model options, e.g. with
// `--overrides '{"model.entity_pretraining": false}'`:
//   (a) no entity pre-training    model.entity_pretraining: false
//   (b) no entity embeddings      model.entity_embedding_dim: 0
//   (c) one shared FFNN           model.projection: "shared"
//   (d) no FFNN_head / FFNN_tail  model.projection: "none"
//   (e) no bilinear term          model.use_bilinear: false
// RE on gold entities (evaluation only): model.gold_entities: true.
local common = import '../common.libsonnet';

{
  config(
    train_path,
    validation_path,
    test_path=null,
    final_train_path=null,
    num_epochs=10,
    batch_size=16,
    tokenizer='spacy:en',  // raw-text segmenter; the Russian configs pass 'razdel'
    max_length=512,
    segment_length=null,
    lr=5e-5,
    head_lr=null,
    warmup_steps=60,
    drop_overlapping_relations=false,
    model_overrides={},
    language='en',  // 'ru': the Russian encoder by default (JOINTIE_RU_ENCODER)
  )::
    local model_name = common.encoder(language);
    local epochs = common.intVarOr('NUM_EPOCHS', num_epochs);
    // Paths are relative to JOINTIE_DATA_DIR (default ../shared/data); the *_DATA_PATH variables
    // replace them. A null validation / test path means none unless the variable is set.
    local path(var, relative) = if relative == null then common.extVarOr(var, '') else common.data_path(var, relative);
    local final = common.extVarOr('FINAL_RUN', '') != '' && final_train_path != null;
    local validation = if final then '' else path('VALIDATION_DATA_PATH', validation_path);
    local test = path('TEST_DATA_PATH', test_path);
    local reader = {
      type: 'biaffine_joint',
      transformer_model_name: model_name,
      max_length: max_length,
      segment_length: segment_length,
      tokenizer: tokenizer,
      drop_overlapping_relations: drop_overlapping_relations,
    };
    {
      dataset_reader: reader,
      train_data_path: path('TRAIN_DATA_PATH', if final then final_train_path else train_path),
      [if validation != '' then 'validation_data_path']: validation,
      [if test != '' then 'test_data_path']: test,
      [if test != '' then 'evaluate_on_test']: true,
      model: {
        type: 'biaffine_joint',
        text_field_embedder: {
          token_embedders: {
            tokens: common.transformer_embedder(model_name, { max_length: segment_length }),
          },
        },
        dropout: 0.1,
        entity_embedding_dim: 128,
        projection: 'separate',
        projection_dims: [512, 256],
        use_bilinear: true,
        entity_pretraining: true,
        gold_entities: false,
        train_with_gold_entities: false,
        strict_relation_candidates: true,
      } + common.precision_options + model_overrides,
      data_loader: {
        batch_sampler: { type: 'bucket', batch_size: common.intVarOr('BATCH_SIZE', batch_size), sorting_keys: ['tokens'] },
      },
      validation_data_loader: {
        batch_sampler: { type: 'bucket', batch_size: 32, sorting_keys: ['tokens'] },
      },
      evaluation: common.evaluation,
      random_seed: common.seed,
      numpy_seed: common.seed,
      pytorch_seed: common.seed,
      trainer: {
        num_epochs: epochs,
        cuda_device: common.cuda_device,
        grad_norm: 1.0,
        [if validation != '' then 'validation_metric']: '+rel_strict_f1',
        optimizer: {
          type: 'huggingface_adamw',
          lr: lr,
          weight_decay: 0.01,
          // FREEZE_WORD_EMBEDDINGS=1: no gradient and no optimizer state for the word-piece embeddings
          parameter_groups: common.frozen_word_embeddings(common.freeze_word_embeddings) + if head_lr == null then [
            [['bias$', 'LayerNorm\\.weight$'], { weight_decay: 0.0 }],
          ] else [
            [['^text_field_embedder.*(bias|LayerNorm\\.weight)$'], { weight_decay: 0.0 }],
            [['^(?!text_field_embedder).*(bias|LayerNorm\\.weight)$'], { weight_decay: 0.0, lr: head_lr }],
            [['^(?!text_field_embedder)(?!.*(bias|LayerNorm\\.weight)$)'], { lr: head_lr }],
          ],
        },
        learning_rate_scheduler: { type: 'linear_with_warmup', warmup_steps: warmup_steps },
        callbacks: [
          // Entity pre-training: λ (weight of the RE loss) rises 0 -> 1 over the first epoch.
          { type: 'loss_weight_ramp', epochs: 1 },
        ],
      },
    } + common.run,
}
