"""``convert-buf-to-c``: buffer-form IR -> the ``c`` dialect, four generated files.

The function ``@main()`` after ``convert-qnn-to-buf`` (one ``buf.arena``, ``buf.view``s,
``buf.get_const``s and ``qnn`` kernel ops in buffer form) and the module's ``buf.const``
arrays become four ``c.file`` ops (``NAME`` is the pass option ``network``, alias
``name``; ``-p 'convert-buf-to-c{name=kws}'``):

* ``NAME.h``: the API. ``STAI_NAME_ACTIVATIONS_SIZE``, ``STAI_NAME_IN_NUM``,
  ``STAI_NAME_OUT_NUM``, ``stai_NAME_init(void *activations)``, ``stai_NAME_input_ptr``,
  ``stai_NAME_input_size``, ``stai_NAME_output_ptr``, ``stai_NAME_output_size`` and
  ``stai_NAME_run``;
* ``NAME.c``: those functions. The only mutable global is the arena pointer set by
  ``init``; ``run`` holds one block per kernel that calls it with the CMSIS-NN API's
  structs (``cmsis_nn_context`` with the kernel's scratch view, ``cmsis_nn_dims`` per
  tensor, parameters, quantization tables) or with stai's own kernels, and returns
  the kernel's position + 1 when a kernel reports an error;
* ``NAME_data.h`` / ``NAME_data.c``: the weights and the per-channel multiplier and shift
  tables as ``const`` arrays;
* ``NAME_target.h`` (only with a Cortex-M ``target``, e.g. ``{target="cortex-m4"}``): one
  ``c.error_unless`` per check of the target (``target_header.py``).

The pass option ``prefix`` (default ``stai``; ``-p 'convert-buf-to-c{prefix="acme"}'``)
replaces ``stai`` / ``STAI`` in every one of those names (``acme_NAME_run``,
``ACME_NAME_IN_NUM``); with any other prefix the data arrays are ``acme_NAME_*`` too, so
folders of one network generated with two prefixes link into one program.

Layout of the package: ``common.py`` (C types, names, shape helpers, the data tables),
``kernel_block.py`` (``KernelBlock``, the builder every emitter fills), one emitter module
per kernel family (``conv``, ``fully_connected``, ``pool``, ``elementwise``,
``activations``, ``softmax``, ``data_movement``, ``recurrent``), ``emitters.py`` (the
``EMITTERS`` map), ``network.py`` (the files, the API and ``run()``), ``target_header.py``.

Before::

    buf.const @fc_weights dense<1> : memref<4x8xi8> {alignment = 4 : i64}
    func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["out"]} {
      %arena = buf.arena {size = 48 : i64, alignment = 16 : i64} : memref<48xi8>
      %x = buf.view %arena[0] {role = "input", index = 0 : i64} : memref<48xi8> -> memref<1x8xi8>
      %w = buf.get_const @fc_weights : memref<4x8xi8>
      ...
      qnn.fully_connected ins(%x, %w, %b : ...) outs(%y : memref<1x4xi8>) {...}
      func.return
    }

After (``NAME.c``, abridged)::

    c.file "network.c" {
      c.include "network.h"
      c.global static @stai_network_arena : !c.type<"uint8_t *"> = "NULL"
      c.func @stai_network_run() -> !c.type<"int"> {
        c.scope {
          %fc_params = c.struct static {input_offset = 128, ...} : !c.type<"cmsis_nn_fc_params">
          ...
          c.call "arm_fully_connected_s8"(...) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64} ...
        }
        ...
      }
    }
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.utils.arg_spec import ArgSpec

from stai.dialects.buf import ConstOp, GetConstOp
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c.common import (
    DEFAULT_PREFIX,
    OK,
    DataTables,
    Names,
    c_identifier,
)
from stai.lowering.convert_buf_to_c.emitters import EMITTERS
from stai.lowering.convert_buf_to_c.kernel_block import KernelBlock
from stai.lowering.convert_buf_to_c.network import IOBuffer, NetworkLowering
from stai.lowering.convert_buf_to_c.target_header import target_header_file, target_header_name
from stai.targets import get_target

__all__ = [
    "EMITTERS",
    "OK",
    "ConvertBufToCPass",
    "DataTables",
    "EraseBufConst",
    "IOBuffer",
    "KernelBlock",
    "LowerBufFunction",
    "Names",
    "NetworkLowering",
    "c_identifier",
    "target_header_file",
    "target_header_name",
]


@dataclass
class LowerBufFunction(RewritePattern):
    """Replaces the buffer-form function (it has ``buf.inputs``) by the four C files."""

    names: Names
    observer: bool = False
    packed: bool = False

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter) -> None:
        if "buf.inputs" not in op.attributes and "buf.outputs" not in op.attributes:
            return
        module = op.parent_op()
        consts = [o for o in module.walk() if isinstance(o, ConstOp)] if module else []
        files = NetworkLowering(self.names, op, consts, self.observer, self.packed).build()
        rewriter.replace(op, files, [])


class EraseBufConst(RewritePattern):
    """Drops a ``buf.const`` once the C data file holds it (nothing reads it any more)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ConstOp, rewriter: PatternRewriter) -> None:
        module = op.parent_op()
        if module is not None and any(isinstance(o, GetConstOp) for o in module.walk()):
            return
        rewriter.erase(op)


@dataclass(frozen=True)
class ConvertBufToCPass(ModulePass):
    """Lowers the buffer-form network to ``c.file`` ops for ``NAME.h``, ``NAME.c``,
    ``NAME_data.h`` and ``NAME_data.c`` (``network``, alias ``name``: the C name), and
    ``NAME_target.h`` for a Cortex-M ``target``."""

    name = "convert-buf-to-c"

    network: str = "network"
    observer: bool = False
    """Emit the observer hooks and node tables, inside ``#if defined(STAI_OBSERVER)``."""
    weights: str = "split"
    """``split``: one ``const`` array per constant; ``packed``: one byte blob, and every
    literal holding a trained value carries ``c.trained`` (``kernel_block.py``), which
    ``detach-weights`` (``--binary``) moves to the weights file; the C is the same."""
    target: str = "host"
    """The build target (a name of ``stai.targets.TARGETS``); any but ``host`` adds
    ``NAME_target.h``, which stops a compile with other machine flags."""
    prefix: str = DEFAULT_PREFIX
    """What the API's names start with: ``PREFIX_NAME_*`` functions, ``PREFIX_NAME_*``
    macros in capitals; with any prefix but ``stai`` the data arrays start with
    ``PREFIX_NAME_`` too (``stai generate --c-prefix``)."""

    @classmethod
    def from_spec(cls, spec: ArgSpec) -> ConvertBufToCPass:
        parameters = dict(spec.parameters)
        if "name" in parameters:
            parameters["network"] = parameters.pop("name")
        return super().from_spec(ArgSpec(spec.name, parameters))

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        names = Names(self.network, self.prefix)
        target = get_target(self.target)
        if self.weights not in ("split", "packed"):
            raise StaiError(
                f"convert-buf-to-c: weights must be 'split' or 'packed', got '{self.weights}'"
            )
        functions = [
            f
            for f in op.body.block.ops
            if isinstance(f, func.FuncOp)
            and ("buf.inputs" in f.attributes or "buf.outputs" in f.attributes)
        ]
        if len(functions) != 1:
            raise StaiError(
                f"convert-buf-to-c: expected one buffer-form function (with buf.inputs), "
                f"found {len(functions)}"
            )
        PatternRewriteWalker(
            LowerBufFunction(names, self.observer, self.weights == "packed"),
            apply_recursively=False,
        ).rewrite_module(op)
        PatternRewriteWalker(EraseBufConst(), apply_recursively=False).rewrite_module(op)
        if not target.is_host:
            op.body.block.add_op(target_header_file(self.network, target, self.prefix))
