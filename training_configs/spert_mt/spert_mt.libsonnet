// SpERT.MT (Lu & Xue 2023): SpERT's spans, pairs and training schedule (../spert/spert.libsonnet)
// with identification + classification heads per stage, pairwise ranking loss, IoU-scaled
// entity identification loss and entity logits in the relation input.
//
// Ablations (model options, e.g. `--overrides '{"model.multi_task": false}'`):
//   without MTL                  model.multi_task: false
//   without IoU-scaled loss      model.iou_scaled_loss: false
//   without entity logits        model.entity_logits_in_relations: false
local spert = import '../spert/spert.libsonnet';

{
  config(
    train_path,
    validation_path,
    test_path=null,
    final_train_path=null,
    num_epochs=20,
    batch_size=2,
    lr=5e-5,
    freeze_word_embeddings=false,
    tokenizer='spacy:en',  // raw-text segmenter; the Russian configs pass 'razdel'
    max_length=512,
    segment_length=null,
    model_overrides={},
    language='en',
  )::
    spert.config(
      train_path=train_path,
      validation_path=validation_path,
      test_path=test_path,
      final_train_path=final_train_path,
      model_type='spert_mt',
      num_epochs=num_epochs,
      batch_size=batch_size,
      lr=lr,
      freeze_word_embeddings=freeze_word_embeddings,
      tokenizer=tokenizer,
      max_length=max_length,
      segment_length=segment_length,
      model_overrides=model_overrides,
      language=language,
    ),
}
