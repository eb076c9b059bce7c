"""A stand-in CMSIS-NN source tree for the tests of the ``CMSIS_NN_PATH`` build switch
(the real CMSIS-NN is in no package registry)."""

from __future__ import annotations

import shutil
from pathlib import Path

from stai.runtime import manifest


def stand_in_cmsis_tree(root: Path) -> Path:
    """A tree shaped like CMSIS-NN (``Include/``, ``Source/<group>/*.c``) holding stai's
    portable CMSIS-NN-API sources."""
    (root / "Include").mkdir(parents=True)
    for header in manifest.INCLUDE_DIR.glob("arm_*.h"):
        shutil.copy(header, root / "Include" / header.name)
    for source in manifest.SOURCE_DIR.glob("arm_*.c"):
        group = root / "Source" / source.stem.split("_")[1]
        group.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, group / source.name)
    return root
