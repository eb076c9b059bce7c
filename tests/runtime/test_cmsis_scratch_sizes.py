"""`stai.lowering.scratch_sizes` equals the C `*_get_buffer_size*` functions of the runtime.

For a grid of convolution, depthwise, fully-connected and pooling shapes, the Python size
for ISA "host" must equal the plain C function (what the portable kernels accept), and
"dsp" / "mve" the C `_dsp` / `_mve` functions. A few values are also pinned by hand from
the CMSIS-NN v7.0.0 formulas, so that Python and C cannot drift together.
"""

from __future__ import annotations

import ctypes
import itertools
from pathlib import Path

import pytest
import test_cmsis_support as h

from stai.errors import StaiError
from stai.lowering import scratch_sizes as ss

VARIANTS = {"host": "", "dsp": "_dsp", "mve": "_mve"}


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    return h.load(h.build_library(tmp_path_factory.mktemp("cmsis_sizes")))


def _out_size(in_size: int, k: int, stride: int, pad: int, dilation: int) -> int:
    """Output extent of a window sliding over a padded input (at least 1)."""
    effective = (k - 1) * dilation + 1
    return max((in_size + 2 * pad - effective) // stride + 1, 1)


def _conv_grid() -> list[tuple[ss.ConvGeometry, ss.Dims, ss.Dims, ss.Dims]]:
    """Convolution shapes covering the 1x1, 1xN and general wrapper paths."""
    grid = []
    for n, ih, iw, c, (kh, kw), s, p, d in itertools.product(
        (1, 2),
        (1, 5),
        (6, 9),
        (1, 3, 4, 8),
        ((1, 1), (1, 3), (3, 3), (2, 3)),
        (1, 2),
        (0, 1, 2),
        (1, 2),
    ):
        g = ss.ConvGeometry(stride_h=s, stride_w=s, pad_h=p, pad_w=p, dilation_h=d, dilation_w=d)
        out = ss.Dims(n, _out_size(ih, kh, s, p, d), _out_size(iw, kw, s, p, d), 6)
        grid.append((g, ss.Dims(n, ih, iw, c), ss.Dims(6, kh, kw, c), out))
    return grid


def _conv_c_args(g: ss.ConvGeometry, dw: bool, ch_mult: int = 1) -> ctypes.Structure:
    common = dict(
        input_offset=1,
        output_offset=-2,
        stride=h.Tile(g.stride_w, g.stride_h),
        padding=h.Tile(g.pad_w, g.pad_h),
        dilation=h.Tile(g.dilation_w, g.dilation_h),
        activation=h.Activation(-128, 127),
    )
    return h.DwConvParams(ch_mult=ch_mult, **common) if dw else h.ConvParams(**common)


def _cdims(d: ss.Dims) -> h.Dims:
    return h.dims(d.n, d.h, d.w, d.c)


@pytest.mark.parametrize("isa", list(VARIANTS))
def test_conv_wrapper_sizes_match_c(lib: ctypes.CDLL, isa: str) -> None:
    fn = getattr(lib, f"arm_convolve_wrapper_s8_get_buffer_size{VARIANTS[isa]}")
    for g, i, f, o in _conv_grid():
        want = fn(
            ctypes.byref(_conv_c_args(g, False)),
            ctypes.byref(_cdims(i)),
            ctypes.byref(_cdims(f)),
            ctypes.byref(_cdims(o)),
        )
        assert ss.convolve_wrapper_s8_bytes(isa, g, i, f, o) == want, (isa, g, i, f, o)


@pytest.mark.parametrize("isa", list(VARIANTS))
def test_depthwise_wrapper_sizes_match_c(lib: ctypes.CDLL, isa: str) -> None:
    fn = getattr(lib, f"arm_depthwise_conv_wrapper_s8_get_buffer_size{VARIANTS[isa]}")
    for (g, i, f, o), mult in itertools.product(_conv_grid(), (1, 2)):
        f_dw = ss.Dims(1, f.h, f.w, i.c * mult)
        o_dw = ss.Dims(o.n, o.h, o.w, i.c * mult)
        want = fn(
            ctypes.byref(_conv_c_args(g, True, mult)),
            ctypes.byref(_cdims(i)),
            ctypes.byref(_cdims(f_dw)),
            ctypes.byref(_cdims(o_dw)),
        )
        assert ss.depthwise_conv_wrapper_s8_bytes(isa, g, i, f_dw, o_dw) == want, (isa, g, i, f_dw)


@pytest.mark.parametrize("isa", list(VARIANTS))
def test_fc_and_avgpool_sizes_match_c(lib: ctypes.CDLL, isa: str) -> None:
    fc = getattr(lib, f"arm_fully_connected_s8_get_buffer_size{VARIANTS[isa]}")
    pool = getattr(lib, f"arm_avgpool_s8_get_buffer_size{VARIANTS[isa]}")
    for depth, out_c in itertools.product((1, 7, 32), (1, 10, 33)):
        f = ss.Dims(depth, 1, 1, out_c)
        assert ss.fully_connected_s8_bytes(isa, f) == fc(ctypes.byref(_cdims(f)))
    for width, ch in itertools.product((1, 4, 9), (1, 6, 13)):
        assert ss.avgpool_s8_bytes(isa, width, ch) == pool(width, ch)
    assert ss.no_scratch_bytes(isa) == 0


def test_convolve_s8_size_matches_c(lib: ctypes.CDLL) -> None:
    for _, i, f, _ in _conv_grid():
        want = lib.arm_convolve_s8_get_buffer_size(ctypes.byref(_cdims(i)), ctypes.byref(_cdims(f)))
        assert ss.convolve_s8_bytes("host", i, f) == want


def test_pinned_values_from_the_formulas() -> None:
    """Hand-computed values of the CMSIS-NN v7.0.0 formulas."""
    g3 = ss.ConvGeometry(pad_h=1, pad_w=1)
    i, f, o = ss.Dims(1, 8, 8, 3), ss.Dims(16, 3, 3, 3), ss.Dims(1, 8, 8, 16)
    # 27 columns -> 28 aligned, two int16 columns: 2 * 28 * 2
    assert ss.convolve_wrapper_s8_bytes("host", g3, i, f, o) == 112
    assert ss.convolve_wrapper_s8_bytes("dsp", g3, i, f, o) == 112
    # Helium: 4 columns of ceil(27 / 16) * 16 bytes
    assert ss.convolve_wrapper_s8_bytes("mve", g3, i, f, o) == 128
    one = ss.ConvGeometry()
    assert ss.convolve_wrapper_s8_bytes("host", one, i, ss.Dims(16, 1, 1, 3), o) == 0
    dw_i, dw_f, dw_o = ss.Dims(1, 8, 8, 8), ss.Dims(1, 5, 5, 8), ss.Dims(1, 8, 8, 8)
    g5 = ss.ConvGeometry(pad_h=2, pad_w=2)
    assert ss.depthwise_conv_wrapper_s8_bytes("host", g5, dw_i, dw_f, dw_o) == 0
    assert ss.depthwise_conv_wrapper_s8_bytes("dsp", g5, dw_i, dw_f, dw_o) == 8 * 25 * 2
    assert ss.depthwise_conv_wrapper_s8_bytes("mve", g5, dw_i, dw_f, dw_o) == 4 * 124 * 25
    assert ss.depthwise_conv_wrapper_s8_bytes("dsp", g3, dw_i, ss.Dims(1, 3, 3, 8), dw_o) == 0
    assert ss.fully_connected_s8_bytes("mve", ss.Dims(32, 1, 1, 10)) == 40
    assert ss.avgpool_s8_bytes("dsp", 4, 6) == 24


def test_unknown_isa_is_a_stai_error() -> None:
    with pytest.raises(StaiError, match="unknown ISA"):
        ss.avgpool_s8_bytes("m4", 1, 1)  # type: ignore[arg-type]


def test_portable_kernels_take_buffers_of_the_host_size(lib: ctypes.CDLL, tmp_path: Path) -> None:
    """The wrapper's general and 1xN paths refuse a NULL buffer (as CMSIS-NN does), the 1x1
    path and every depthwise path work without one (host size 0)."""
    import numpy as np

    def call_conv(g: ss.ConvGeometry, i: ss.Dims, f: ss.Dims, o: ss.Dims, with_buffer: bool) -> int:
        x = np.zeros((i.n, i.h, i.w, i.c), np.int8)
        w = np.ones((f.n, f.h, f.w, f.c), np.int8)
        y = np.zeros((o.n, o.h, o.w, o.c), np.int8)
        mult, shift = np.full(f.n, 1 << 30, np.int32), np.zeros(f.n, np.int32)
        size = ss.convolve_wrapper_s8_bytes("host", g, i, f, o)
        scratch = ctypes.create_string_buffer(max(size, 1))
        ctx = h.Context(ctypes.cast(scratch, ctypes.c_void_p) if with_buffer else None, size)
        quant = h.PerChannelQuant(h.ptr32(mult), h.ptr32(shift))
        return int(
            lib.arm_convolve_wrapper_s8(
                ctypes.byref(ctx),
                ctypes.byref(_conv_c_args(g, False)),
                ctypes.byref(quant),
                ctypes.byref(_cdims(i)),
                h.ptr8(x),
                ctypes.byref(_cdims(f)),
                h.ptr8(w),
                ctypes.byref(h.dims(1, 1, 1, f.n)),
                None,
                ctypes.byref(_cdims(o)),
                h.ptr8(y),
            )
        )

    general = (
        ss.ConvGeometry(pad_h=1, pad_w=1),
        ss.Dims(1, 4, 4, 3),
        ss.Dims(2, 3, 3, 3),
        ss.Dims(1, 4, 4, 2),
    )
    one_by_n = (ss.ConvGeometry(), ss.Dims(1, 1, 8, 4), ss.Dims(2, 1, 3, 4), ss.Dims(1, 1, 6, 2))
    one_by_one = (
        ss.ConvGeometry(stride_h=2, stride_w=2),
        ss.Dims(1, 4, 4, 3),
        ss.Dims(2, 1, 1, 3),
        ss.Dims(1, 2, 2, 2),
    )
    for shape in (general, one_by_n):
        assert ss.convolve_wrapper_s8_bytes("host", *shape) > 0
        assert call_conv(*shape, with_buffer=False) == -1
        assert call_conv(*shape, with_buffer=True) == 0
    assert ss.convolve_wrapper_s8_bytes("host", *one_by_one) == 0
    assert call_conv(*one_by_one, with_buffer=False) == 0
