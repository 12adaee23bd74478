// RuREBus subtask 3 (end to end): no training; the `pipeline` predictor runs the NER archive
// (trained with ner.jsonnet), then the relation archive (re.jsonnet) over its entities:
//
//   ls /tmp/rurebus_split/dev/*.txt > /tmp/dev_inputs.txt
//   allennlp predict runs/ner/model.tar.gz /tmp/dev_inputs.txt --predictor pipeline \
//     --predictor-args '{"re_archive": "runs/re/model.tar.gz", "brat_output_dir": "/tmp/pred"}' \
//     --include-package jointie_allennlp --output-file /tmp/pred.jsonl --silent
//   python -m jointie_allennlp score /tmp/rurebus_split/dev /tmp/pred --rurebus
//
// This file only records those predictor arguments (`predictor_args`) for scripts.
local common = import '../common.libsonnet';

{
  predictor: 'pipeline',
  predictor_args: {
    re_archive: 'runs/re/model.tar.gz',
    brat_output_dir: 'predictions/rurebus',
    gold_entities: false,
    cuda_device: common.cuda_device,
  },
}
