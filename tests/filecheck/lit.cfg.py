# lit configuration: every .mlir / .test file under tests/filecheck is a FileCheck test.
import os
import sys

import lit.formats

config.name = "stai"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)

# The tools (stai-opt, stai-translate, filecheck, python) come from the environment that
# runs lit: the project's virtual environment, whose python runs lit itself.
venv_bin = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join(p for p in (venv_bin, os.environ.get("PATH", "")) if p)
for key in ("STAI_MODELS", "HOME", "TMPDIR", "CI"):
    if key in os.environ:
        config.environment[key] = os.environ[key]
config.substitutions.append(("%python", sys.executable))

# Tests that read the shared real models (`REQUIRES: shared-models`) are unsupported when
# the folder is absent, as pytest skips them; under CI=true a missing folder is an error.
sys.path.insert(0, os.path.dirname(config.test_source_root))
from shared_models import models_dir_setting  # noqa: E402

if models_dir_setting().is_dir():
    config.available_features.add("shared-models")
elif os.environ.get("CI", "").strip().lower() == "true":
    lit_config.fatal(f"shared models not found at {models_dir_setting()} (set STAI_MODELS)")
