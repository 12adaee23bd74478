from jointie_allennlp.environment import CONFIG_VARIABLES, default_data_dir, with_config_defaults


def test_data_dir_is_the_variable_when_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert default_data_dir({"JOINTIE_DATA_DIR": "/elsewhere"}) == "/elsewhere"


def test_data_dir_is_data_when_it_exists_else_shared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_data_dir({}) == "../shared/data"
    (tmp_path / "data").mkdir()
    assert default_data_dir({}) == "data"
    assert default_data_dir({"JOINTIE_DATA_DIR": ""}) == "data"


def test_config_defaults_define_every_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    variables = with_config_defaults({"SEED": "3"})
    assert set(CONFIG_VARIABLES) <= set(variables)
    assert variables["SEED"] == "3" and variables["NUM_EPOCHS"] == ""
    assert variables["JOINTIE_DATA_DIR"] == "../shared/data"
