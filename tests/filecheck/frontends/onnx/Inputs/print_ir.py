"""Print the nn IR the ONNX frontend makes: print_ir.py MODEL [--no-io-transpose]
[--no-optimizer] (stai-opt uses the default options)."""

import sys

from xdsl.printer import Printer

from stai.frontends.onnx import import_onnx

module = import_onnx(
    sys.argv[1],
    io_transpose="--no-io-transpose" not in sys.argv,
    optimize="--no-optimizer" not in sys.argv,
)
Printer().print_op(module)
print()
