// SpERT (Eberts & Ulges 2020) and, with model_type='spert_mt', SpERT.MT (Lu & Xue 2023).
//
// config(...) builds a full training config; every dataset file calls it. External variables
// (see ../common.libsonnet): TRANSFORMER_MODEL, TRAIN_DATA_PATH, VALIDATION_DATA_PATH,
// TEST_DATA_PATH, NUM_EPOCHS, BATCH_SIZE, CUDA_DEVICE, SEED, and FINAL_RUN: when set (e.g. 1),
// train on train+dev (`final_train_path`) without validation and keep the last epoch, as the
// papers do for their test scores; otherwise train on train and select the epoch on dev by
// rel_strict_f1.
//
// Hyper-parameters as in the reference implementation: batch size 2, 20 epochs, AdamW lr 5e-5,
// weight decay 0.01 (none on biases and LayerNorm), linear warmup over the first 10% of the
// steps then linear decay, gradient norm clipped at 1.0, dropout 0.1, width embedding 25, spans
// of up to 10 words, 100 negative spans and 100 negative pairs per sentence (SpERT.MT: 120),
// relation threshold 0.4 (SpERT.MT: class score threshold 0.85).
//
// Model options are overridable, e.g. `--overrides '{"model.multi_task": false}'`; the
// SpERT.MT ablations: model.multi_task: false (without MTL), model.iou_scaled_loss: false
// (without IoU-scaled loss), model.entity_logits_in_relations: false (without entity logits).
// Other switches: model.loss_reduction ('mean' | 'sum' per stage), model.symmetric_negatives
// (the reference's reversed symmetric negatives), SpERT.MT model.detach_entity_logits,
// model.entity_threshold / model.relation_threshold (choose them on dev with tune-threshold);
// trainer.optimizer.correct_bias (false as the reference; true is allennlp's default).
// BATCHING: 'bucket' (default: batches of similar length, shuffled batch order, last batch
// kept) or 'shuffle' (the reference: random order, incomplete last batch dropped).
local common = import '../common.libsonnet';

{
  config(
    train_path,
    validation_path,
    test_path=null,
    final_train_path=null,
    model_type='spert',
    num_epochs=20,
    batch_size=2,
    tokenizer='spacy:en',  // raw-text segmenter; the Russian configs pass 'razdel'
    max_length=512,
    segment_length=null,
    lr=5e-5,
    warmup_fraction=0.1,
    correct_bias=false,
    freeze_word_embeddings=false,  // or FREEZE_WORD_EMBEDDINGS=1
    batching=null,
    model_overrides={},
    language='en',  // 'ru': the Russian encoder by default (JOINTIE_RU_ENCODER)
  )::
    local model_name = common.encoder(language);
    local epochs = common.intVarOr('NUM_EPOCHS', num_epochs);
    local batch = common.intVarOr('BATCH_SIZE', batch_size);
    local final = common.extVarOr('FINAL_RUN', '') != '' && final_train_path != null;
    // Paths are relative to JOINTIE_DATA_DIR (default ../shared/data); the *_DATA_PATH variables
    // replace them. A null validation / test path means none unless the variable is set.
    local path(var, relative) = if relative == null then common.extVarOr(var, '') else common.data_path(var, relative);
    local train = path('TRAIN_DATA_PATH', if final then final_train_path else train_path);
    local validation = if final then '' else path('VALIDATION_DATA_PATH', validation_path);
    local test = path('TEST_DATA_PATH', test_path);
    local batching_mode = if batching != null then batching else common.extVarOr('BATCHING', 'bucket');
    assert batching_mode == 'bucket' || batching_mode == 'shuffle' : 'BATCHING must be bucket or shuffle';
    local reader = {
      type: 'spert',
      transformer_model_name: model_name,
      max_length: max_length,
      segment_length: segment_length,
      tokenizer: tokenizer,
    };
    {
      dataset_reader: reader,
      train_data_path: train,
      [if validation != '' then 'validation_data_path']: validation,
      [if test != '' then 'test_data_path']: test,
      [if test != '' then 'evaluate_on_test']: true,
      model: {
        type: model_type,
        text_field_embedder: {
          token_embedders: {
            tokens: common.transformer_embedder(model_name, { max_length: segment_length }),
          },
        },
        max_span_size: 10,
        width_embedding_dim: 25,
        dropout: 0.1,
        max_pairs: 1000,
        // SpERT averages each stage's per-sample losses (the reference); SpERT.MT sums them (its
        // equations; on CoNLL04 dev the sum gives NER 80.9 / RE 63.8 against 61.5 / 33.7,
        // docs/approaches/spert_mt.md)
        loss_reduction: if model_type == 'spert' then 'mean' else 'sum',
        symmetric_negatives: false,
      } + (if model_type == 'spert' then {
             neg_entity_count: 100,
             neg_relation_count: 100,
             rel_filter_threshold: 0.4,
           } else {
             neg_entity_count: 120,
             neg_relation_count: 120,
             multi_task: true,
             iou_scaled_loss: true,
             entity_logits_in_relations: true,
             detach_entity_logits: false,
             entity_threshold: 0.85,
             relation_threshold: 0.85,
             alpha: 1.0,
             beta: 1.0,
             gamma: 2.0,
             margin_positive: 2.5,
             margin_negative: 0.5,
             delta: 0.25,
           }) + common.precision_options + model_overrides,
      data_loader: if batching_mode == 'shuffle' then {
        batch_size: batch,
        shuffle: true,
        drop_last: true,
      } else {
        batch_sampler: { type: 'bucket', batch_size: batch, sorting_keys: ['tokens'] },
      },
      validation_data_loader: {
        batch_sampler: { type: 'bucket', batch_size: 8, sorting_keys: ['tokens'], shuffle: false },
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
          correct_bias: correct_bias,
          // FREEZE_WORD_EMBEDDINGS=1: no gradient and no optimizer state for the word-piece embeddings
          parameter_groups: common.frozen_word_embeddings(freeze_word_embeddings || common.freeze_word_embeddings) + [
            [['bias$', 'LayerNorm\\.weight$'], { weight_decay: 0.0 }],
          ],
        },
        // warm-up over warmup_fraction of epochs × batches of the training data actually read
        learning_rate_scheduler: { type: 'linear_with_warmup_fraction', warmup_fraction: warmup_fraction },
      },
    } + common.run,
}
