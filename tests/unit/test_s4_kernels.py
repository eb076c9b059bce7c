"""The portable s4 kernels of the CMSIS-NN API (``runtime/src/arm_*_s4.c``: int8
activations, int4 weights packed two per byte, low nibble first): on random layers they
compute exactly what the portable int8 kernels (bit-exact with TFLite Micro) compute on
the same weights unpacked, as TFLite Micro does; with ``CMSIS_NN_PATH``, exactly what
CMSIS-NN's own s4 kernels compute. The scratch bytes stai gives each s4 layer are those
CMSIS-NN's ``*_get_buffer_size`` functions ask for."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from stai.lowering import scratch_sizes
from stai.lowering.convert_buf_to_c.conv import pack_int4
from stai.runtime import cmsis_nn_sources

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
DW_SIZES = "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s4.c"


@dataclass(frozen=True)
class Layer:
    kind: str  # "conv", "dw" or "fc"
    in_hwc: tuple[int, int, int]
    out_c: int
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    batches: int = 1

    def out_hw(self) -> tuple[int, int]:
        if self.kind == "fc":
            return 1, 1
        (h, w, _), (kh, kw) = self.in_hwc, self.kernel
        eh, ew = (kh - 1) * self.dilation[0] + 1, (kw - 1) * self.dilation[1] + 1
        return (
            (h + 2 * self.pad[0] - eh) // self.stride[0] + 1,
            (w + 2 * self.pad[1] - ew) // self.stride[1] + 1,
        )

    def filter_shape(self) -> tuple[int, ...]:
        kh, kw = self.kernel
        if self.kind == "conv":
            return (self.out_c, kh, kw, self.in_hwc[2])
        if self.kind == "dw":
            return (1, kh, kw, self.out_c)
        return (self.out_c, int(np.prod(self.in_hwc)))


LAYERS = [
    Layer("conv", (7, 6, 3), 5, (3, 3), (1, 1), (1, 1)),  # odd filter size
    Layer("conv", (9, 9, 4), 8, (3, 3), (2, 2), (0, 0)),
    Layer("conv", (6, 5, 8), 3, (1, 1)),  # the 1x1 path
    Layer("conv", (1, 12, 4), 6, (1, 3), (1, 1), (0, 1)),  # the 1xN path
    Layer("conv", (8, 8, 2), 4, (3, 3), (1, 1), (2, 2), (2, 2), batches=2),
    Layer("dw", (8, 7, 6), 6, (3, 3), (1, 1), (1, 1)),
    Layer("dw", (9, 9, 3), 6, (3, 3), (2, 2), (1, 1)),  # multiplier 2
    Layer("dw", (7, 7, 5), 5, (3, 3), (1, 1), (2, 2), (2, 2)),  # dilation: the basic path
    Layer("dw", (9, 9, 4), 8, (3, 3), (1, 1), (2, 2), (2, 2)),
    Layer("fc", (1, 1, 37), 9),  # odd depth: rows do not start on a byte
    Layer("fc", (1, 1, 64), 10, batches=3),
]


def _array(name: str, c_type: str, values: np.ndarray) -> str:
    body = ", ".join(str(int(v)) for v in values.reshape(-1))
    return f"static const {c_type} {name}[{max(1, values.size)}] = {{{body}}};\n"


def _driver(
    layer: Layer, s4: bool, scratch: int, rng: np.random.Generator, sizes: bool = False
) -> tuple[str, int]:
    """A C program running ``layer`` once through the s4 kernel (packed weights) or the s8
    one (the same weights, one per byte) and printing the output (after the scratch size
    the kernel's ``_get_buffer_size`` gives, with ``sizes``); and its output size."""
    h, w, c = layer.in_hwc
    oh, ow = layer.out_hw()
    x = rng.integers(-128, 128, (layer.batches, h, w, c))
    weights = rng.integers(-8, 8, layer.filter_shape()).astype(np.int8)
    bias = rng.integers(-3000, 3000, layer.out_c)
    channels = 1 if layer.kind == "fc" else layer.out_c
    mults = rng.integers(1 << 29, (1 << 31) - 1, channels)
    shifts = rng.integers(-9, -4, channels)
    f_data = np.frombuffer(pack_int4(weights), np.int8) if s4 else weights
    src = '#include <stdio.h>\n#include "arm_nnfunctions.h"\n'
    src += _array("x", "int8_t", x) + _array("f", "int8_t", f_data) + _array("b", "int32_t", bias)
    src += _array("m", "int32_t", mults) + _array("s", "int32_t", shifts)
    out_size = layer.batches * oh * ow * layer.out_c
    src += f"static int8_t y[{out_size}];\nstatic int16_t buf[{max(1, scratch // 2 + 1)}];\n"
    src += "int main(void) {\n"
    src += f"  cmsis_nn_context ctx = {{{'buf' if scratch else 'NULL'}, {scratch}}};\n"
    src += "  const cmsis_nn_activation act = {-100, 110};\n"
    src += f"  const cmsis_nn_dims id = {{{layer.batches}, {h}, {w}, {c}}};\n"
    src += f"  const cmsis_nn_dims bd = {{1, 1, 1, {layer.out_c}}};\n"
    src += f"  const cmsis_nn_dims od = {{{layer.batches}, {oh}, {ow}, {layer.out_c}}};\n"
    suffix = "s4" if s4 else "s8"
    if layer.kind == "fc":
        src += f"  const cmsis_nn_dims fd = {{{h * w * c}, 1, 1, {layer.out_c}}};\n"
        src += "  const cmsis_nn_fc_params p = {7, 0, -3, act};\n"
        src += "  const cmsis_nn_per_tensor_quant_params q = {m[0], s[0]};\n"
        call = f"arm_fully_connected_{suffix}"
    else:
        fs = layer.filter_shape()
        src += f"  const cmsis_nn_dims fd = {{{fs[0]}, {fs[1]}, {fs[2]}, {fs[3]}}};\n"
        src += "  const cmsis_nn_per_channel_quant_params q = {(int32_t *)m, (int32_t *)s};\n"
        geometry = (
            f"{{{layer.stride[1]}, {layer.stride[0]}}}, {{{layer.pad[1]}, {layer.pad[0]}}}, "
            f"{{{layer.dilation[1]}, {layer.dilation[0]}}}"
        )
        if layer.kind == "conv":
            src += f"  const cmsis_nn_conv_params p = {{7, -3, {geometry}, act}};\n"
            call = f"arm_convolve_wrapper_{suffix}"
        else:
            mult = layer.out_c // c
            src += f"  const cmsis_nn_dw_conv_params p = {{7, -3, {mult}, {geometry}, act}};\n"
            call = f"arm_depthwise_conv_wrapper_{suffix}"
    if sizes and layer.kind != "fc":
        src += f'  printf("%d\\n", (int){call}_get_buffer_size(&p, &id, &fd, &od));\n'
    src += f"  if ({call}(&ctx, &p, &q, &id, x, &fd, f, &bd, b, &od, y) != ARM_CMSIS_NN_SUCCESS)\n"
    src += '    return 1;\n  for (int i = 0; i < (int)sizeof(y); i++) printf("%d\\n", y[i]);\n'
    src += "  return 0;\n}\n"
    return src, out_size


def _scratch(layer: Layer, isa: str = "host") -> int:
    if layer.kind == "fc":
        return 0
    h, w, c = layer.in_hwc
    oh, ow = layer.out_hw()
    geometry = scratch_sizes.ConvGeometry(*layer.stride, *layer.pad, *layer.dilation)
    in_dims = scratch_sizes.Dims(layer.batches, h, w, c)
    f_dims = scratch_sizes.Dims(*layer.filter_shape())
    out_dims = scratch_sizes.Dims(layer.batches, oh, ow, layer.out_c)
    size_of = (
        scratch_sizes.convolve_wrapper_s4_bytes
        if layer.kind == "conv"
        else scratch_sizes.depthwise_conv_wrapper_s4_bytes
    )
    return size_of(isa, geometry, in_dims, f_dims, out_dims)  # type: ignore[arg-type]


def _run(src: str, work: Path, name: str, includes: list[Path], sources: list[Path]) -> list[int]:
    work.mkdir(parents=True, exist_ok=True)
    main = work / f"{name}.c"
    main.write_text(src)
    exe = work / name
    cmd = ["gcc", "-std=c99", "-O1", "-w", *(f"-I{i}" for i in includes)]
    subprocess.run([*cmd, str(main), *map(str, sources), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True)
    assert out.returncode == 0, f"{name}: the kernel returned an error"
    return [int(v) for v in out.stdout.split()]


def _portable(s4: bool) -> list[Path]:
    names = ["arm_convolve", "arm_depthwise_conv", "arm_fully_connected"]
    return [RUNTIME / "src" / f"{n}_{'s4' if s4 else 's8'}.c" for n in names]


@pytest.mark.parametrize("index", range(len(LAYERS)))
def test_s4_kernels_equal_the_s8_kernels_on_unpacked_weights(index: int, tmp_path: Path) -> None:
    layer = LAYERS[index]
    scratch = _scratch(layer)
    if layer.kind == "conv" and layer.kernel != (1, 1):
        assert scratch > 0  # the s4 paths that read a buffer refuse NULL
    runs = []
    for s4 in (True, False):
        src, size = _driver(layer, s4, max(scratch, 4096), np.random.default_rng(index))
        got = _run(src, tmp_path, f"l{index}_{s4}", [RUNTIME / "include"], _portable(s4))
        assert len(got) == size
        runs.append(got)
    assert runs[0] == runs[1]
    assert len(set(runs[0])) > 5  # not saturated


def test_packing_is_low_nibble_first() -> None:
    values = np.array([1, 2, 3, 4, -8, 7, -1], np.int8)
    assert pack_int4(values) == bytes([0x21, 0x43, 0x78, 0x0F])


@pytest.mark.cmsis_nn
def test_portable_s4_kernels_equal_cmsis_nn(tmp_path: Path) -> None:
    """Against CMSIS-NN's own s4 kernels (a checkout in CMSIS_NN_PATH) on the host, with
    the scratch size stai gives each layer; and that size equals CMSIS-NN's own."""
    root = os.environ.get("CMSIS_NN_PATH")
    if not root:
        pytest.fail("CMSIS_NN_PATH is not set", pytrace=False)
    cmsis = Path(root)
    functions = {"arm_convolve_wrapper_s4", "arm_depthwise_conv_wrapper_s4"}
    functions |= {"arm_fully_connected_s4", "arm_convolve_wrapper_s4_get_buffer_size"}
    functions |= {"arm_depthwise_conv_s8_opt_get_buffer_size_dsp"}
    # The depthwise sizes' file: no generated program calls it, so the table omits it.
    paths = [*cmsis_nn_sources.sources_for(functions), DW_SIZES]
    sources = [cmsis / "Source" / s for s in paths if (cmsis / "Source" / s).is_file()]
    for index, layer in enumerate(LAYERS):
        basic_dw = layer.kind == "dw" and (
            layer.out_c != layer.in_hwc[2] or layer.dilation != (1, 1)
        )
        if basic_dw and layer.in_hwc[2] % 2:
            # CMSIS-NN's basic s4 depthwise kernel (main branch, 2025) gives other results
            # than TFLite Micro's reference when the input channel count is odd.
            continue
        scratch = _scratch(layer)
        src, _ = _driver(layer, True, scratch, np.random.default_rng(index))
        mine = _run(src, tmp_path, f"p{index}", [RUNTIME / "include"], _portable(True))
        src, _ = _driver(layer, True, scratch, np.random.default_rng(index), sizes=True)
        theirs = _run(src, tmp_path, f"c{index}", [cmsis / "Include"], sources)
        if layer.kind != "fc":
            assert theirs.pop(0) == scratch, layer
        assert mine == theirs, layer
