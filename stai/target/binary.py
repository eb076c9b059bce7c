"""``stai generate --binary``: the weights as a separate binary file.

The work is the ``detach-weights`` pass (``stai.transforms.detach_weights``), which leaves
the weights in the IR as the binary ``c.file`` ``NAME_weights.bin``. These two functions
keep the former interface for callers that take the bytes out of the module.
"""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from stai.dialects import c
from stai.transforms.detach_weights import DetachWeightsPass, weights_file_name


def binary_file_name(name: str) -> str:
    """The file the weights of network ``name`` are written to."""
    return weights_file_name(name)


def detach_weights(module: ModuleOp, name: str) -> bytes:
    """Run ``detach-weights`` on the module of network ``name`` (in place), then take its
    ``NAME_weights.bin`` file out of the module and return the bytes."""
    DetachWeightsPass(network=name).apply(Context(), module)
    for op in module.body.block.ops:
        if isinstance(op, c.FileOp) and op.path.data == weights_file_name(name):
            data = op.body.block.first_op
            assert isinstance(data, c.BytesOp)
            blob = data.data
            module.body.block.erase_op(op)
            return blob
    raise AssertionError("detach-weights made no weights file")
