# stai: set-up, demo and tests. Every target installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all test-cmsis bench setup target-tools clean

setup: $(STAMP) target-tools

# The Cortex-M target's tools (cross-compiler, newlib, QEMU), from Debian, when missing.
TARGET_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
target-tools:
	@if ! command -v arm-none-eabi-gcc >/dev/null 2>&1 || ! command -v qemu-system-arm >/dev/null 2>&1 \
	  || [ ! -f "$$(arm-none-eabi-gcc -mthumb -mcpu=cortex-m4 -print-file-name=libc_nano.a)" ]; then \
	  echo "installing $(TARGET_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TARGET_PACKAGES); \
	fi

$(STAMP): pyproject.toml
	@command -v gcc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc make; }
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,all,exporters]'
	$(PY) -m pip install -q --no-deps tf_keras==2.21.0
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m stai.demo

test: $(STAMP) target-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pyright
	$(VENV)/bin/lit -sv tests/filecheck
	$(PY) -m pytest -n 2 -m "not cmsis_nn" tests

# The tests that need a CMSIS-NN checkout (no registry has it; v7.0 or main, docs/target.md):
# CMSIS_NN_PATH=... make test-cmsis
test-cmsis: $(STAMP) target-tools
	@test -f "$(CMSIS_NN_PATH)/Include/arm_nnfunctions.h" || { echo "make test-cmsis: set \
	CMSIS_NN_PATH to a CMSIS-NN checkout (it holds Include/arm_nnfunctions.h)" >&2; exit 2; }
	$(PY) -m pytest -n 2 -m cmsis_nn tests

# Everything: the seeded fuzz campaign at full size (make test runs a sample of it), and the
# CMSIS-NN tests when CMSIS_NN_PATH is set.
test-all: $(STAMP) target-tools
	STAI_FUZZ_CASES=200 STAI_EXPORTERS=all STAI_ARCHITECTURES=all STAI_CFLAGS_SWEEP=all \
		$(MAKE) --no-print-directory test
	@if [ -n "$(CMSIS_NN_PATH)" ]; then $(MAKE) --no-print-directory test-cmsis; \
	else echo "test-all: CMSIS_NN_PATH is not set, so the CMSIS-NN tests did not run"; fi

bench: $(STAMP)
	$(PY) -m pytest benchmarks --benchmark-only

clean:
	rm -rf $(VENV) build out *.egg-info
