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
