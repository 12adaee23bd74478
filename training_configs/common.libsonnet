// Helpers shared by every config.
//
// AllenNLP passes the environment as jsonnet external variables; the plugin makes each variable
// below exist while a config is evaluated (empty when unset, see jointie_allennlp/environment.py),
// so `extVarOr` can fall back to a default.
{
  extVarOr(name, default):: local value = std.extVar(name); if value == '' then default else value,
  intVarOr(name, default):: local value = std.extVar(name); if value == '' then default else std.parseInt(value),
  numberVarOr(name, default):: local value = std.extVar(name); if value == '' then default else std.parseJson(value),

  // The encoder: any Hugging Face name or local path (TRANSFORMER_MODEL); by default for English the
  // packaged all-MiniLM-L6-v2 under its portable name (resolved to the installed copy when loaded:
  // jointie_allennlp/encoders/offline.py) and, for Russian, JOINTIE_RU_ENCODER: the
  // multilingual-e5-small directory `make encoder-ru` builds.
  ru_encoder:: self.extVarOr('JOINTIE_RU_ENCODER', 'built:multilingual-e5-small'),
  encoder(language='en'):: self.extVarOr('TRANSFORMER_MODEL',
                                         if language == 'ru' then self.ru_encoder else 'offline:all-MiniLM-L6-v2'),
  transformer_model:: self.encoder('en'),
  // FREEZE_WORD_EMBEDDINGS=1: the encoder's word-piece embedding matrix gets no gradient and no
  // optimizer state (most of a multilingual encoder's parameters; the rest still trains).
  freeze_word_embeddings:: self.extVarOr('FREEZE_WORD_EMBEDDINGS', '') == '1',
  // The optimizer parameter group that freezes the encoder's word-piece embeddings when `freeze`
  // (a list of one group, else empty).
  frozen_word_embeddings(freeze, prefix='^text_field_embedder')::
    if freeze then [[[prefix + '.*word_embeddings'], { requires_grad: false }]] else [],
  // Optimizer parameter groups for the encoder (regexes over parameter names): its own options,
  // plus, with FREEZE_WORD_EMBEDDINGS=1, the frozen word-piece embeddings.
  encoder_parameter_groups(options, prefix='^text_field_embedder')::
    self.frozen_word_embeddings(self.freeze_word_embeddings, prefix)
    + [[[prefix + (if self.freeze_word_embeddings then '(?!.*word_embeddings)' else '')], options]],
  // The encoder's token embedder. ATTENTION_DROPOUT (e.g. 0) replaces the encoder's dropout on the
  // attention probabilities (BERT-style configs: attention_probs_dropout_prob, 0.1 in MiniLM and e5):
  // at 0 torch's fused attention kernel runs in training too, which keeps no
  // batch x heads x pieces x pieces matrices for the backward pass. GRADIENT_CHECKPOINTING=1 keeps
  // only each layer's input and recomputes the rest in the backward pass. docs/performance.md, "Peak memory".
  transformer_embedder(model_name, options={})::
    local attention_dropout = self.extVarOr('ATTENTION_DROPOUT', '');
    { type: 'pretrained_transformer', model_name: model_name }
    + (if attention_dropout == '' then {}
       else { transformer_kwargs: { attention_probs_dropout_prob: std.parseJson(attention_dropout) } })
    + (if self.extVarOr('GRADIENT_CHECKPOINTING', '') == '1' then { gradient_checkpointing: true } else {})
    + options,
  // BF16_TRAINING: auto (bf16 autocast in training where the CPU has native bf16 instructions), 1
  // (always; any CPU runs it, slower without those instructions) or 0. Unset: the model's default
  // (float32). Merged into every model section (the models' `bf16_training`).
  local bf16_training = self.extVarOr('BF16_TRAINING', ''),
  precision_options:: if bf16_training == '' then {} else { bf16_training: bf16_training },
  // INIT_FROM_ARCHIVE: a model.tar.gz (or weights .th) of the same model and config whose weights
  // a RuREBus run starts from, under this config's data, optimizer and a new schedule (more epochs
  // after a finished run; `--recover` instead continues an interrupted one). allennlp's
  // `pretrained` initializer; archives drop initializers when loaded, so the new archive stands alone.
  local init_archive = self.extVarOr('INIT_FROM_ARCHIVE', ''),
  initializer_from_archive:: if init_archive == '' then {} else {
    initializer: { regexes: [['.*', { type: 'pretrained', weights_file_path: init_archive }]] },
  },
  // Where the development data lives (read in place, never copied).
  data_dir:: self.extVarOr('JOINTIE_DATA_DIR', '../shared/data'),
  data_path(var, relative):: self.extVarOr(var, self.data_dir + '/' + relative),
  cuda_device:: self.intVarOr('CUDA_DEVICE', -1),
  seed:: self.intVarOr('SEED', 13370),
  // ADE's 10-fold cross-validation: the fold (0-9) the ADE configs train and test on.
  ade_fold:: self.intVarOr('ADE_FOLD', 0),
  ade_split(part):: 'ade/ade_split_%d_%s.json' % [self.ade_fold, part],
  // `allennlp evaluate --predictions-output-file`: one prediction record per instance
  // (jointie_allennlp/evaluation/joint_extraction.py).
  evaluation:: { batch_serializer: { type: 'joint_extraction' } },
  // Top-level settings of every training config. The train loop evaluates the whole test set
  // after distributed training (jointie_allennlp/training/whole_test_set.py). DISTRIBUTED_DEVICES, e.g. '-1,-1'
  // (two CPU workers, gloo) or '0,1' (two GPUs, nccl), trains with AllenNLP's distributed
  // engine, as `-o '{"distributed": {"cuda_devices": [-1, -1]}}'` does.
  local devices = self.extVarOr('DISTRIBUTED_DEVICES', ''),
  run:: { type: 'whole_test_set' } + (
    if devices == '' then {} else { distributed: { cuda_devices: [std.parseInt(std.stripChars(d, ' ')) for d in std.split(devices, ',')] } }
  ),

  // The generic configs (<approach>/generic.jsonnet): a model on your own data, with no data-set
  // default. TRAIN_DATA_PATH is required; VALIDATION_DATA_PATH and TEST_DATA_PATH are optional
  // (empty or unset: none; without development data nothing is validated and the last epoch is
  // kept). Any format the readers take: a brat directory, SpERT JSON, JSON lines. TYPES_FILE: a
  // SpERT *_types.json of the entity and relation types to learn; without it, the types of the
  // training data (symmetric relation types from the *_types.json beside a SpERT JSON file or a
  // brat directory's annotation.conf). Training ends by writing model_card.json and README.md
  // into the serialization directory and the archive (the `model_card` trainer callback).
  own_train_path:: self.extVarOr('TRAIN_DATA_PATH', ''),
  own_data(base)::
    local types_file = self.extVarOr('TYPES_FILE', '');
    assert self.own_train_path != '' :
           'TRAIN_DATA_PATH is required: the training data (a brat directory, a SpERT JSON file or a JSON lines file); '
           + 'VALIDATION_DATA_PATH and TEST_DATA_PATH are optional';
    base + {
      dataset_reader+: if types_file == '' then {} else { types_path: types_file },
      trainer+: { callbacks+: [{ type: 'model_card' }] },
      include_in_archive: ['model_card.json', 'README.md'],
    },
}
