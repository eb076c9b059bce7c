"""Checks of the inputs a caller gives a model (reference runtimes, the C runners)."""

from __future__ import annotations

from typing import Any

import numpy as np

from stai.errors import StaiError


def check_input_count(given: int, wanted: int) -> None:
    """Raise if the number of inputs differs from the model's."""
    if given != wanted:
        raise StaiError(f"{given} inputs given, the model has {wanted}")


def prepare_input(
    value: Any, shape: tuple[int, ...] | list[int], dtype: Any, index: int
) -> np.ndarray:
    """One input checked against the model's dtype and element count, as a contiguous
    array of the model's shape."""
    array = np.asarray(value)
    dtype = np.dtype(dtype)
    if array.dtype != dtype:
        raise StaiError(f"input {index}: dtype {array.dtype} given, the model wants {dtype}")
    if array.size != int(np.prod(shape, dtype=np.int64)):
        raise StaiError(
            f"input {index}: shape {list(array.shape)} given, the model wants {list(shape)}"
        )
    return np.ascontiguousarray(array.reshape(shape))
