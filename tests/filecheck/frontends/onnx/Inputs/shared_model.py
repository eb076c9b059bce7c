"""Copy a shared model (env STAI_MODELS, else the default shared folder) to a file:
shared_model.py onnx/mnist/mnist.onnx OUT"""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from shared_models import models_dir_setting  # noqa: E402

source = models_dir_setting() / sys.argv[1]
if not source.is_file():
    sys.exit(f"missing shared model {source} (set STAI_MODELS)")
shutil.copyfile(source, sys.argv[2])
