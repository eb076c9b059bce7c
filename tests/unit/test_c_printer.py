"""The C target: printing of the ``c`` dialect, and its hard errors."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp, TensorType, f32, i8, i32
from xdsl.ir import Block, Region

from stai.dialects import c
from stai.emitc.printer import CModulePrinter, CPrintError, float_literal, int_literal, print_file
from stai.errors import StaiError

INT = c.CType("int")
DIMS = c.CType("cmsis_nn_dims")
DIMS_PTR = c.CType("const cmsis_nn_dims *")


def _func(name: str, ops: list, inputs: tuple = (), output=None) -> c.FuncOp:
    block = Block(arg_types=list(inputs))
    block.add_ops(ops)
    return c.FuncOp(name, list(inputs), output, Region(block))


def _dims_use(hint: str) -> list:
    """A struct named ``hint`` and a call that takes its address."""
    s = c.StructOp({"n": 1, "h": 2, "w": 3, "c": 4}, DIMS, static=True)
    s.result.name_hint = hint
    addr = c.AddrOp(s, DIMS_PTR)
    return [s, addr, c.CallOp("use", [addr])]


def test_file_with_guard_includes_and_function() -> None:
    body = [
        c.IncludeOp("stdint.h", system=True),
        c.IncludeOp("network.h"),
        c.DefineOp("STAI_NETWORK_IN_NUM", 1),
        c.FuncOp("stai_network_run", [], INT, arg_names=None),
    ]
    text = print_file(c.FileOp("network.h", body, guard="STAI_NETWORK_H"))
    assert text.splitlines() == [
        "#ifndef STAI_NETWORK_H",
        "#define STAI_NETWORK_H",
        "",
        "#include <stdint.h>",
        '#include "network.h"',
        "",
        "#define STAI_NETWORK_IN_NUM 1",
        "",
        "int stai_network_run(void);",
        "",
        "#endif /* STAI_NETWORK_H */",
    ]


def test_names_are_unique_per_scope_and_reused_in_sibling_scopes() -> None:
    run = _func(
        "run",
        [
            c.ScopeOp([*_dims_use("dims"), c.ScopeOp(_dims_use("dims"))]),
            c.ScopeOp(_dims_use("dims")),
            c.ScopeOp(_dims_use("if")),
        ],
    )
    text = print_file(c.FileOp("a.c", [run]))
    declared = [
        line.split("=")[0].split()[-1] for line in text.splitlines() if "cmsis_nn_dims " in line
    ]
    # nested scopes get a fresh name; a sibling scope reuses the first; keywords are avoided
    assert declared == ["dims", "dims_1", "dims", "if_1"]
    assert "use(&dims_1);" in text


def test_weights_print_exactly() -> None:
    values = np.array([0.1, -1e-30, 3.4028235e38, 1.0, -0.0, 1.17549435e-38], dtype=np.float32)
    t = TensorType(f32, [len(values)])
    array = c.ArrayOp("w", t, DenseIntOrFPElementsAttr.from_list(t, [float(v) for v in values]))
    text = print_file(c.FileOp("d.c", [array]))
    body = text[text.index("{") + 1 : text.index("}")]
    printed = [item.strip() for item in body.split(",") if item.strip()]
    assert all(p.endswith("f") for p in printed)
    back = np.array([float(p[:-1]) for p in printed], dtype=np.float32)
    assert back.tobytes() == values.tobytes()


def test_float_and_int_literals() -> None:
    assert float_literal(1.0, single=True) == "1.0f"
    assert float_literal(float("inf"), single=True) == "INFINITY"
    assert float_literal(float("-inf"), single=False) == "-INFINITY"
    assert float_literal(0.1, single=False) == "0.10000000000000001"
    assert int_literal(-(2**31)) == "(-2147483647 - 1)"
    assert int_literal(-5) == "-5"


def test_int8_and_int32_arrays() -> None:
    t8, t32 = TensorType(i8, [3]), TensorType(i32, [2])
    text = print_file(
        c.FileOp(
            "d.c",
            [
                c.ArrayOp("a", t8, DenseIntOrFPElementsAttr.from_list(t8, [-128, 0, 127])),
                c.ArrayOp(
                    "b", t32, DenseIntOrFPElementsAttr.from_list(t32, [-(2**31), 7]), static=True
                ),
                c.ArrayOp("a", t8),
            ],
        )
    )
    assert "const int8_t a[3] = {-128, 0, 127};" in text
    assert "static const int32_t b[2] = {(-2147483647 - 1), 7};" in text
    assert "extern const int8_t a[3];" in text


def test_non_c_op_in_function_is_a_hard_error() -> None:
    run = _func("run", [arith.ConstantOp.from_int_and_width(0, 32)])
    with pytest.raises(CPrintError, match="cannot print 'arith.constant' in a function"):
        print_file(c.FileOp("a.c", [run]))


def test_non_c_op_at_module_level_is_a_hard_error() -> None:
    module = ModuleOp([func.FuncOp("main", ((), ()), Region(Block([func.ReturnOp()])))])
    with pytest.raises(StaiError, match="cannot print 'func.func' at module level"):
        CModulePrinter().emit(Context(), module, io.StringIO())


def test_module_without_files_is_an_error() -> None:
    with pytest.raises(CPrintError, match="holds no c.file"):
        CModulePrinter().emit(Context(), ModuleOp([]), io.StringIO())


def test_target_prints_every_file_after_a_header_line() -> None:
    module = ModuleOp(
        [c.FileOp("a.h", [c.IncludeOp("stdint.h", True)]), c.FileOp("a.c", [c.IncludeOp("a.h")])]
    )
    out = io.StringIO()
    CModulePrinter().emit(Context(), module, out)
    assert out.getvalue() == (
        '// ----- file: a.h\n#include <stdint.h>\n// ----- file: a.c\n#include "a.h"\n'
    )


def test_printed_functions_compile(tmp_path: Path) -> None:
    """A file using most constructs compiles warning-free as C99."""
    cc = shutil.which("gcc")
    assert cc is not None, "gcc is required to compile generated C"
    arena = c.GlobalOp("arena", c.CType("uint8_t *"), c.StringAttr("NULL"))
    t = TensorType(i32, [2])
    table = c.ArrayOp("table", t, DenseIntOrFPElementsAttr.from_list(t, [1, -2]))

    g = c.GetGlobalOp("arena", c.CType("uint8_t *"))
    null = c.LiteralOp("NULL", c.CType("uint8_t *"))
    is_null = c.BinaryOp("==", g, null, INT)
    minus = c.LiteralOp(-1, INT)
    tab = c.GetGlobalOp("table", c.CType("const int32_t *"), array=True)
    s = c.StructOp({"n": 1, "h": 1, "w": 1, "c": 2}, DIMS, static=True)
    p = c.AddrOp(s, DIMS_PTR)
    x = c.OffsetPtrOp(g, 16, c.CType("int8_t *"))
    called = c.CallOp("kernel", [p, x, tab], ok="ARM_CMSIS_NN_SUCCESS", error_return=1)
    zero = c.LiteralOp(0, INT)
    run = _func(
        "run",
        [
            g,
            null,
            is_null,
            minus,
            c.IfReturnOp(is_null, minus),
            tab,
            s,
            p,
            x,
            c.ScopeOp([called]),
            zero,
            c.ReturnOp(zero),
        ],
        output=INT,
    )
    decl = c.FuncOp(
        "kernel",
        [DIMS_PTR, c.CType("int8_t *"), c.CType("const int32_t *")],
        INT,
        arg_names=["dims", "x", "t"],
    )
    src = print_file(
        c.FileOp(
            "a.c",
            [
                c.IncludeOp("stddef.h", True),
                c.IncludeOp("stdint.h", True),
                c.IncludeOp("arm_nn_types.h"),
                decl,
                arena,
                table,
                run,
            ],
        )
    )
    (tmp_path / "a.c").write_text(src)
    include = Path(__file__).resolve().parents[2] / "runtime" / "include"
    proc = subprocess.run(
        [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{include}", "-c", "a.c"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr + "\n" + src
