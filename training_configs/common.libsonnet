// Helpers shared by every config.
//
// AllenNLP passes the environment as jsonnet external variables; the plugin makes each variable
// below exist (empty when unset, see jointie_allennlp/environment.py), so `extVarOr` can fall
// back to a default.
{
  extVarOr(name, default):: local value = std.extVar(name); if value == '' then default else value,
  intVarOr(name, default):: local value = std.extVar(name); if value == '' then default else std.parseInt(value),

  // The encoder: any Hugging Face name or local path; default the offline all-MiniLM-L6-v2.
  transformer_model:: self.extVarOr('TRANSFORMER_MODEL', std.extVar('JOINTIE_OFFLINE_ENCODER')),
  // Where the development data lives (read in place, never copied).
  data_dir:: self.extVarOr('JOINTIE_DATA_DIR', '../shared/data'),
  data_path(var, relative):: self.extVarOr(var, self.data_dir + '/' + relative),
  cuda_device:: self.intVarOr('CUDA_DEVICE', -1),
  seed:: self.intVarOr('SEED', 13370),
}
