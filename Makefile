# Everyday commands. `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Every package of the tested environment at its tested version (runtime and dev); installs,
# CI and the Glue bundle all take their versions from it, so nothing moves until `make lock`.
LOCK   := constraints.txt
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
WHEEL  := dist/data_monitor-$(VERSION)-py3-none-any.whl
BUNDLE := dist/data_monitor-$(VERSION).gluewheels.zip
BUNDLE_DIR := build/glue-bundle
# Glue 5.0 runs CPython 3.11 on Amazon Linux 2023 (glibc 2.34, x86_64): "Appendix B: AWS Glue
# environment details" of https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-python-libraries.html
# A wheel built for any glibc up to 2.34 runs there. pip does not widen a manylinux_2_34 tag to
# the older ones by itself, so each is listed (manylinux2014 is manylinux_2_17; pip adds
# manylinux2010 and manylinux1 to it). Binary wheels only: Glue cannot compile native code.
GLUE_TARGET := --only-binary=:all: --implementation cp --python-version 3.11 \
	$(foreach n,$(shell seq 34 -1 18),--platform manylinux_2_$(n)_x86_64) \
	--platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64
# Glue 5.0's own pip (its list of preinstalled modules, same page): the check resolves the
# bundle with the installer the job will use, not only with ours.
GLUE_PIP := pip==23.0.1

.PHONY: demo test lint fmt bench wheel lock glue-bundle glue-bundle-check clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m data_monitor demo --warehouse demo-warehouse

test: $(STAMP) lint
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy data_monitor custom_expectations runner.py

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

wheel: $(STAMP)
	rm -rf dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/*.whl

# Regenerate the lock from .venv. To move to newer versions: upgrade .venv on purpose
# (.venv/bin/pip install -U ...), run `make test`, then `make lock` and commit constraints.txt.
lock:
	@test -x $(PY) || { echo "make lock: no $(VENV) to freeze; run make test first" >&2; exit 1; }
	{ echo "# Versions of the tested environment (make lock); the project itself is not listed."; \
	  $(PY) -m pip freeze --exclude-editable --exclude data-monitor; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	touch $(STAMP)  # .venv is exactly what the new lock says: no reinstall needed

# The job's dependencies as one zip of wheels for Glue 5.0 ("zip of wheels": a wheels/ folder
# with every wheel and a requirements.txt, suffix .gluewheels.zip; Appendix A of the page
# above), so Glue installs from S3 with --no-index and never reaches PyPI. requirements.txt
# pins every wheel, so Glue's preinstalled boto3/pandas/numpy/pyarrow are replaced by the
# tested versions instead of being kept because they satisfy a range. Needs PyPI to build.
glue-bundle: wheel
	rm -rf $(BUNDLE_DIR) $(BUNDLE)
	mkdir -p $(BUNDLE_DIR)/wheels
	cp $(WHEEL) $(BUNDLE_DIR)/wheels/
	$(PY) -m pip download --quiet --disable-pip-version-check $(GLUE_TARGET) -c $(LOCK) \
	  --dest $(BUNDLE_DIR)/wheels $(BUNDLE_DIR)/wheels/$(notdir $(WHEEL))
	cd $(BUNDLE_DIR)/wheels && ls *.whl | sed -E 's/^([^-]+)-([^-]+)-.*/\1==\2/' > requirements.txt
	cd $(BUNDLE_DIR) && $(abspath $(PY)) -m zipfile -c $(abspath $(BUNDLE)) wheels/
	@echo "$(BUNDLE): $$(grep -c . $(BUNDLE_DIR)/wheels/requirements.txt) wheels, $$(du -h $(BUNDLE) | cut -f1)"

# Does the bundle install on Glue 5.0 with nothing but itself? Unzip it and let Glue's pip
# resolve its requirements.txt for the Glue platform with --no-index (no PyPI) and the lock,
# as a dry run, in an empty environment (no pip.conf, no PIP_* variables: nothing but the
# bundle). Fails if a wheel is missing, is for another platform, or differs from the lock.
# (pip 23.0 takes --platform only with --target; a dry run writes nothing there.)
glue-bundle-check: glue-bundle
	rm -rf $(BUNDLE_DIR)/check
	mkdir -p $(BUNDLE_DIR)/check
	$(PY) -m zipfile -e $(BUNDLE) $(BUNDLE_DIR)/check
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --dest $(BUNDLE_DIR) $(GLUE_PIP)
	env -i PATH="$$PATH" PIP_CONFIG_FILE=/dev/null \
	  $(PY) $(BUNDLE_DIR)/pip-$(subst pip==,,$(GLUE_PIP))-py3-none-any.whl/pip install \
	  --dry-run --target $(BUNDLE_DIR)/check/site --quiet --disable-pip-version-check --no-index \
	  --find-links $(BUNDLE_DIR)/check/wheels $(GLUE_TARGET) -c $(LOCK) \
	  -r $(BUNDLE_DIR)/check/wheels/requirements.txt --report $(BUNDLE_DIR)/check/report.json
	@echo "$(BUNDLE): resolves offline with Glue 5.0's pip"
	# and with ours: every version in it is the locked one, and every wheel in it is needed
	$(PY) -m pytest -q -p no:cacheprovider tests/test_packaging.py -k glue_bundle

bench: $(STAMP)
	$(PY) benchmarks/bench_run.py

clean:
	rm -rf $(VENV) demo-warehouse build dist *.egg-info
