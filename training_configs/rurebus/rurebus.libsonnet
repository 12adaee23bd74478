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
// Encoder: TRANSFORMER_MODEL (any Hugging Face name or path; default the offline English
// all-MiniLM-L6-v2, weak on Russian). The paper used multilingual BERT / XLM-R base, e.g.
// TRANSFORMER_MODEL=bert-base-multilingual-cased or xlm-roberta-base or DeepPavlov/rubert-base-cased.
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

  // types: the data set's entity types (BIO tags); train_path / validation_path: defaults under
  // JOINTIE_DATA_DIR (another data set, e.g. CoNLL04 in SpERT JSON, passes its own).
  config(reader, model, validation_metric, num_epochs, batch_size, transformer_lr, head_lr, embedder_extra={}, labels={},
         types=entity_types, train_path='rurebus/train', validation_path='rurebus/dev')::
    local model_name = common.transformer_model;
    local validation = common.data_path('VALIDATION_DATA_PATH', validation_path);
    local test = common.extVarOr('TEST_DATA_PATH', '');
    local max_instances = common.intVarOr('MAX_INSTANCES', null);
    local full_reader = reader { transformer_model_name: model_name, tokenizer: 'razdel' };
    {
      dataset_reader: full_reader + (if max_instances == null then {} else { max_instances: max_instances }),
      validation_dataset_reader: full_reader,
      vocabulary: { type: 'from_instances', tokens_to_add: { ner_tags: bio_tags(types) } + labels },
      train_data_path: common.data_path('TRAIN_DATA_PATH', train_path),
      validation_data_path: validation,
      [if test != '' then 'test_data_path']: test,
      [if test != '' then 'evaluate_on_test']: true,
      model: model {
        text_field_embedder: {
          token_embedders: {
            tokens: { type: 'pretrained_transformer', model_name: model_name } + embedder_extra,
          },
        },
      },
      data_loader: {
        batch_sampler: { type: 'bucket', batch_size: common.intVarOr('BATCH_SIZE', batch_size), sorting_keys: ['tokens'] },
      },
      validation_data_loader: {
        batch_sampler: { type: 'bucket', batch_size: 32, sorting_keys: ['tokens'] },
      },
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
          lr: head_lr,
          weight_decay: 0.01,
          parameter_groups: [[['^text_field_embedder'], { lr: transformer_lr }]],
        },
        learning_rate_scheduler: { type: 'slanted_triangular' },
      },
    },

  ner(num_epochs=5, batch_size=16, max_length=512)::
    self.config(
      reader={ type: 'bio_tagger', max_length: max_length },
      model={ type: 'bio_tagger', dropout: 0.1 },
      validation_metric='+ner_f1',
      num_epochs=num_epochs,
      batch_size=batch_size,
      transformer_lr=5e-5,
      head_lr=1e-3,
    ),

  // ner_weight: the paper's best runs used 0 or 0.1 with relation_weight 1.
  re(num_epochs=5, batch_size=16, max_length=512, ner_weight=0.1, relation_weight=1.0, typed_markers=true,
     types=entity_types, relations=relation_types, train_path='rurebus/train', validation_path='rurebus/dev')::
    local marked = if typed_markers then types else [];
    self.config(
      reader={ type: 'marked_entity', max_length: max_length, entity_types: marked },
      model={ type: 'marked_entity', dropout: 0.1, ner_weight: ner_weight, relation_weight: relation_weight },
      validation_metric='+rel_strict_f1',
      num_epochs=num_epochs,
      batch_size=batch_size,
      transformer_lr=5e-5,
      head_lr=1e-3,
      embedder_extra={ tokenizer_kwargs: { additional_special_tokens: $.marker_tokens(marked) } },
      labels={ relation_labels: ['0'] + relations },
      types=types,
      train_path=train_path,
      validation_path=validation_path,
    ),
}
