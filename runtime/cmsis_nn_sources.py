"""Which CMSIS-NN source files a generated folder builds with ``CMSIS_NN_PATH``.

CMSIS-NN's ``Source/`` tree holds far more than a network calls, and not all of it builds
with the flags of a plain int8 build: since 2025 it has float16 / float32 kernels
(``*_f16.c``, ``*_f32.c``) that need ``ARM_NN_ENABLE_F16`` / ``ARM_NN_ENABLE_F32`` and, on
Cortex-M4, ``-mfp16-format=ieee``. A generated Makefile therefore compiles only the files
its calls need. ``SOURCES`` is the table of facts that decides it: for every CMSIS-NN
source file that the API subset stai calls can reach, the public functions it defines and
the functions of other CMSIS-NN source files it calls (in any of its DSP, Helium or plain
C branches, so one list serves every target). ``sources_for(functions)`` is the transitive
closure.

The table is the union over the CMSIS-NN versions stai is tested with (v7.0.0 and the
main branch, ``docs/target.md``): a file that one version lacks is dropped by the
Makefile's ``$(wildcard ...)``, so both build. Every function the portable runtime's
``arm_*.c`` files provide must be in the table (``tests/unit/test_folder.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class CmsisNNSource:
    """One CMSIS-NN source file: its path under ``Source/``, the public functions it
    defines and the CMSIS-NN functions (defined in other files) it calls."""

    path: str
    defines: tuple[str, ...]
    calls: tuple[str, ...] = ()


def _source(path: str, defines: str, calls: str = "") -> CmsisNNSource:
    return CmsisNNSource(path, tuple(defines.split()), tuple(calls.split()))


SOURCES: tuple[CmsisNNSource, ...] = (
    # Element-wise
    _source("BasicMathFunctions/arm_elementwise_add_s8.c", "arm_elementwise_add_s8"),
    _source("BasicMathFunctions/arm_elementwise_add_s16.c", "arm_elementwise_add_s16"),
    _source("BasicMathFunctions/arm_elementwise_mul_s8.c", "arm_elementwise_mul_s8"),
    _source("BasicMathFunctions/arm_elementwise_mul_s16.c", "arm_elementwise_mul_s16"),
    # Convolution
    _source(
        "ConvolutionFunctions/arm_convolve_wrapper_s8.c",
        "arm_convolve_wrapper_s8",
        "arm_convolve_1_x_n_s8 arm_convolve_1x1_s8 arm_convolve_1x1_s8_fast arm_convolve_s8",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_s8.c",
        "arm_convolve_s8",
        "arm_nn_mat_mult_kernel_row_offset_s8_s16 arm_nn_mat_mult_kernel_s8_s16"
        " arm_nn_mat_mult_nt_t_s8 arm_q7_to_q15_with_offset arm_s8_to_s16_unordered_with_offset",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_1_x_n_s8.c",
        "arm_convolve_1_x_n_s8",
        "arm_convolve_s8 arm_nn_mat_mult_nt_t_s8",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_1x1_s8.c",
        "arm_convolve_1x1_s8",
        "arm_nn_mat_mult_nt_t_s8",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_1x1_s8_fast.c",
        "arm_convolve_1x1_s8_fast",
        "arm_nn_mat_mult_kernel_s8_s16 arm_nn_mat_mult_nt_t_s8 arm_s8_to_s16_unordered_with_offset",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c",
        "arm_convolve_wrapper_s8_get_buffer_size arm_convolve_wrapper_s8_get_buffer_size_dsp"
        " arm_convolve_wrapper_s8_get_buffer_size_mve arm_convolve_s8_get_buffer_size"
        " arm_convolve_s8_get_buffer_size_mve arm_convolve_1_x_n_s8_get_buffer_size"
        " arm_convolve_1_x_n_s8_get_buffer_size_mve arm_convolve_1x1_s8_fast_get_buffer_size"
        " arm_convolve_1x1_s8_fast_get_buffer_size_dsp",
    ),
    _source(
        "ConvolutionFunctions/arm_nn_mat_mult_kernel_row_offset_s8_s16.c",
        "arm_nn_mat_mult_kernel_row_offset_s8_s16",
    ),
    _source(
        "ConvolutionFunctions/arm_nn_mat_mult_kernel_s8_s16.c", "arm_nn_mat_mult_kernel_s8_s16"
    ),
    # Depthwise convolution
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_wrapper_s8.c",
        "arm_depthwise_conv_wrapper_s8",
        "arm_convolve_wrapper_s8 arm_convolve_wrapper_s8_get_buffer_size"
        " arm_depthwise_conv_3x3_s8 arm_depthwise_conv_s8 arm_depthwise_conv_s8_opt"
        " arm_transpose_s8",
    ),
    _source("ConvolutionFunctions/arm_depthwise_conv_s8.c", "arm_depthwise_conv_s8"),
    _source(
        "ConvolutionFunctions/arm_convolve_wrapper_s16.c",
        "arm_convolve_wrapper_s16",
        "arm_convolve_s16",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_s16.c",
        "arm_convolve_s16",
        "arm_nn_mat_mult_kernel_s16 arm_nn_mat_mult_nt_t_s16",
    ),
    _source("ConvolutionFunctions/arm_nn_mat_mult_kernel_s16.c", "arm_nn_mat_mult_kernel_s16"),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_wrapper_s16.c",
        "arm_depthwise_conv_wrapper_s16",
        "arm_depthwise_conv_fast_s16 arm_depthwise_conv_s16",
    ),
    _source("ConvolutionFunctions/arm_depthwise_conv_s16.c", "arm_depthwise_conv_s16"),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_fast_s16.c",
        "arm_depthwise_conv_fast_s16",
        "arm_depthwise_conv_fast_s16_get_buffer_size arm_depthwise_conv_s16"
        " arm_nn_depthwise_conv_nt_t_s16",
    ),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s16.c",
        "arm_depthwise_conv_wrapper_s16_get_buffer_size arm_depthwise_conv_fast_s16_get_buffer_size"
        " arm_depthwise_conv_wrapper_s16_get_buffer_size_dsp"
        " arm_depthwise_conv_wrapper_s16_get_buffer_size_mve",
    ),
    _source("ConvolutionFunctions/arm_depthwise_conv_3x3_s8.c", "arm_depthwise_conv_3x3_s8"),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_s8_opt.c",
        "arm_depthwise_conv_s8_opt",
        "arm_depthwise_conv_s8 arm_depthwise_conv_s8_opt_get_buffer_size"
        " arm_nn_depthwise_conv_nt_t_s8 arm_q7_to_q15_with_offset",
    ),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c",
        "arm_depthwise_conv_wrapper_s8_get_buffer_size"
        " arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp"
        " arm_depthwise_conv_wrapper_s8_get_buffer_size_mve"
        " arm_depthwise_conv_s8_opt_get_buffer_size arm_depthwise_conv_s8_opt_get_buffer_size_dsp"
        " arm_depthwise_conv_s8_opt_get_buffer_size_mve",
        "arm_convolve_wrapper_s8_get_buffer_size_mve",
    ),
    # Fully connected
    _source(
        "FullyConnectedFunctions/arm_fully_connected_s8.c",
        "arm_fully_connected_s8",
        "arm_nn_vec_mat_mult_t_s8",
    ),
    _source(
        "FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c",
        "arm_fully_connected_per_channel_s8",
        "arm_nn_vec_mat_mult_t_per_ch_s8",
    ),
    _source("FullyConnectedFunctions/arm_vector_sum_s8.c", "arm_vector_sum_s8"),
    _source(
        "FullyConnectedFunctions/arm_fully_connected_s16.c",
        "arm_fully_connected_s16",
        "arm_nn_vec_mat_mult_t_s16",
    ),
    _source(
        "FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c",
        "arm_fully_connected_s8_get_buffer_size arm_fully_connected_s8_get_buffer_size_dsp"
        " arm_fully_connected_s8_get_buffer_size_mve",
    ),
    # Pooling
    _source(
        "PoolingFunctions/arm_avgpool_s8.c", "arm_avgpool_s8", "arm_avgpool_s8_get_buffer_size"
    ),
    _source(
        "PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c",
        "arm_avgpool_s8_get_buffer_size arm_avgpool_s8_get_buffer_size_dsp"
        " arm_avgpool_s8_get_buffer_size_mve",
    ),
    _source("PoolingFunctions/arm_max_pool_s8.c", "arm_max_pool_s8"),
    _source("PoolingFunctions/arm_avgpool_s16.c", "arm_avgpool_s16"),
    _source(
        "PoolingFunctions/arm_avgpool_get_buffer_sizes_s16.c",
        "arm_avgpool_s16_get_buffer_size arm_avgpool_s16_get_buffer_size_dsp"
        " arm_avgpool_s16_get_buffer_size_mve",
    ),
    _source("PoolingFunctions/arm_max_pool_s16.c", "arm_max_pool_s16"),
    # Softmax
    _source("SoftmaxFunctions/arm_softmax_s8.c", "arm_softmax_s8", "arm_nn_softmax_common_s8"),
    _source(
        "SoftmaxFunctions/arm_softmax_s8_s16.c", "arm_softmax_s8_s16", "arm_nn_softmax_common_s8"
    ),
    _source("SoftmaxFunctions/arm_nn_softmax_common_s8.c", "arm_nn_softmax_common_s8"),
    _source("SoftmaxFunctions/arm_softmax_s16.c", "arm_softmax_s16"),
    # int4 weights (int8 activations)
    _source(
        "ConvolutionFunctions/arm_convolve_wrapper_s4.c",
        "arm_convolve_wrapper_s4",
        "arm_convolve_1_x_n_s4 arm_convolve_1x1_s4 arm_convolve_1x1_s4_fast arm_convolve_even_s4"
        " arm_convolve_s4",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_s4.c",
        "arm_convolve_s4",
        "arm_nn_mat_mult_kernel_s4_s16 arm_nn_mat_mult_nt_t_s4 arm_q7_to_q15_with_offset",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_1_x_n_s4.c",
        "arm_convolve_1_x_n_s4",
        "arm_convolve_s4 arm_nn_mat_mul_core_1x_s4 arm_nn_mat_mult_nt_t_s4"
        " arm_convolve_1_x_n_s4_get_buffer_size",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_1x1_s4.c",
        "arm_convolve_1x1_s4",
        "arm_nn_mat_mult_nt_t_s4",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_1x1_s4_fast.c",
        "arm_convolve_1x1_s4_fast",
        "arm_nn_mat_mult_nt_t_s4",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_even_s4.c",
        "arm_convolve_even_s4",
        "arm_nn_mat_mult_nt_interleaved_t_even_s4",
    ),
    _source(
        "ConvolutionFunctions/arm_convolve_get_buffer_sizes_s4.c",
        "arm_convolve_s4_get_buffer_size arm_convolve_1_x_n_s4_get_buffer_size"
        " arm_convolve_1x1_s4_fast_get_buffer_size arm_convolve_wrapper_s4_get_buffer_size"
        " arm_convolve_wrapper_s4_get_buffer_size_mve arm_convolve_wrapper_s4_get_buffer_size_dsp",
    ),
    _source(
        "ConvolutionFunctions/arm_nn_mat_mult_kernel_s4_s16.c", "arm_nn_mat_mult_kernel_s4_s16"
    ),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_wrapper_s4.c",
        "arm_depthwise_conv_wrapper_s4",
        "arm_depthwise_conv_s4 arm_depthwise_conv_s4_opt",
    ),
    _source("ConvolutionFunctions/arm_depthwise_conv_s4.c", "arm_depthwise_conv_s4"),
    _source(
        "ConvolutionFunctions/arm_depthwise_conv_s4_opt.c",
        "arm_depthwise_conv_s4_opt",
        "arm_nn_depthwise_conv_nt_t_s4 arm_q7_to_q15_with_offset",
    ),
    _source(
        "FullyConnectedFunctions/arm_fully_connected_s4.c",
        "arm_fully_connected_s4",
        "arm_nn_vec_mat_mult_t_s4",
    ),
    _source("NNSupportFunctions/arm_nn_mat_mult_nt_t_s4.c", "arm_nn_mat_mult_nt_t_s4"),
    _source(
        "NNSupportFunctions/arm_nn_mat_mult_nt_interleaved_t_even_s4.c",
        "arm_nn_mat_mult_nt_interleaved_t_even_s4",
    ),
    _source("NNSupportFunctions/arm_nn_mat_mul_core_1x_s4.c", "arm_nn_mat_mul_core_1x_s4"),
    _source("NNSupportFunctions/arm_nn_vec_mat_mult_t_s4.c", "arm_nn_vec_mat_mult_t_s4"),
    _source("NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s4.c", "arm_nn_depthwise_conv_nt_t_s4"),
    # Data movement
    _source("TransposeFunctions/arm_transpose_s8.c", "arm_transpose_s8"),
    # Support functions
    _source("NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c", "arm_nn_mat_mult_nt_t_s8"),
    _source("NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c", "arm_nn_vec_mat_mult_t_s8"),
    _source("NNSupportFunctions/arm_nn_vec_mat_mult_t_s16.c", "arm_nn_vec_mat_mult_t_s16"),
    _source("NNSupportFunctions/arm_nn_mat_mult_nt_t_s16.c", "arm_nn_mat_mult_nt_t_s16"),
    _source(
        "NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s16.c", "arm_nn_depthwise_conv_nt_t_s16"
    ),
    _source(
        "NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c", "arm_nn_vec_mat_mult_t_per_ch_s8"
    ),
    _source("NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s8.c", "arm_nn_depthwise_conv_nt_t_s8"),
    _source("NNSupportFunctions/arm_q7_to_q15_with_offset.c", "arm_q7_to_q15_with_offset"),
    _source(
        "NNSupportFunctions/arm_s8_to_s16_unordered_with_offset.c",
        "arm_s8_to_s16_unordered_with_offset",
    ),
)
"""Every CMSIS-NN source file the API subset stai calls can reach (paths under
``Source/``), with what it defines and calls."""


@cache
def provider_of() -> dict[str, CmsisNNSource]:
    """CMSIS-NN function name -> the source file that defines it."""
    table: dict[str, CmsisNNSource] = {}
    for source in SOURCES:
        for function in source.defines:
            if function in table:
                raise RuntimeError(
                    f"{function} is defined by {table[function].path} and {source.path}"
                )
            table[function] = source
    return table


def provides(function: str) -> bool:
    """Whether a CMSIS-NN source in the table defines ``function``."""
    return function in provider_of()


def sources_for(functions: set[str] | frozenset[str]) -> list[str]:
    """The CMSIS-NN source files (paths under ``Source/``, sorted) that define
    ``functions`` and, transitively, what those call."""
    providers = provider_of()
    missing = sorted(f for f in functions if f not in providers)
    if missing:
        raise RuntimeError(f"no CMSIS-NN source in the table defines {', '.join(missing)}")
    todo = sorted(functions)
    seen: dict[str, CmsisNNSource] = {}
    while todo:
        source = providers[todo.pop()]
        if source.path in seen:
            continue
        seen[source.path] = source
        for callee in source.calls:
            if callee not in providers:
                raise RuntimeError(f"{source.path} calls {callee}, which no source defines")
            todo.append(callee)
    return sorted(seen)
