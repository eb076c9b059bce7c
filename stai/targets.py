"""The targets stai compiles for: the host and Cortex-M cores.

A ``Target`` says how to compile for a core (GCC flags, the checks of ``NAME_target.h``),
which CMSIS-NN kernel flavour sizes scratch buffers (``isa``: ``host``, ``dsp`` or
``mve``, the ``convert-qnn-to-buf`` option) and the buffer alignment; the driver
configures the passes from them. Which machine runs a target's code is a board's fact
(``stai.boards.boards``). This module is data for the compiler core: it imports nothing of
stai but its errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from stai.errors import StaiError


@dataclass(frozen=True)
class Target:
    """One compilation target.

    ``cflags`` are the machine flags every translation unit of a build for it must share
    (a mismatched float ABI links or runs wrong); ``float_abi`` and ``fpu`` repeat parts
    of them; ``checks`` are ``(preprocessor condition, what it means)`` pairs that hold
    only when compiling with those flags (the generated ``NAME_target.h`` tests them).
    """

    name: str
    description: str
    cflags: tuple[str, ...] = ()
    isa: str = "host"
    alignment: int = 4
    float_abi: str | None = None
    fpu: str | None = None
    checks: tuple[tuple[str, str], ...] = ()

    @property
    def is_host(self) -> bool:
        """Whether this is the host (the machine stai runs on: no cross-compiler)."""
        return not self.cflags


HOST = Target("host", "the machine stai runs on (gcc or cc)")

CORTEX_M4 = Target(
    name="cortex-m4",
    description="Arm Cortex-M4 with FPU (DSP extension), QEMU mps2-an386",
    cflags=("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
    isa="dsp",
    alignment=4,
    float_abi="hard",
    fpu="fpv4-sp-d16",
    checks=(
        ("defined(__ARM_PCS_VFP)", "the hard-float ABI (-mfloat-abi=hard)"),
        ("defined(__ARM_ARCH_7EM__)", "an Armv7E-M core"),
        ("defined(__ARM_FEATURE_DSP)", "the DSP extension"),
        ("defined(__ARM_FP) && (__ARM_FP & 4)", "a single-precision FPU"),
    ),
)

CORTEX_M7 = Target(
    name="cortex-m7",
    description="Arm Cortex-M7 with double-precision FPU (DSP extension), QEMU mps2-an500",
    cflags=("-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16"),
    isa="dsp",
    alignment=8,
    float_abi="hard",
    fpu="fpv5-d16",
    checks=(
        ("defined(__ARM_PCS_VFP)", "the hard-float ABI (-mfloat-abi=hard)"),
        ("defined(__ARM_ARCH_7EM__)", "an Armv7E-M core"),
        ("defined(__ARM_FEATURE_DSP)", "the DSP extension"),
        ("defined(__ARM_FP) && (__ARM_FP & 8)", "a double-precision FPU"),
    ),
)

CORTEX_M55 = Target(
    name="cortex-m55",
    description="Arm Cortex-M55 with Helium (MVE) and FPU, QEMU mps3-an547",
    cflags=("-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"),
    isa="mve",
    alignment=16,
    float_abi="hard",
    fpu="auto",
    checks=(
        ("defined(__ARM_PCS_VFP)", "the hard-float ABI (-mfloat-abi=hard)"),
        ("defined(__ARM_FEATURE_MVE)", "Helium (MVE)"),
        ("defined(__ARM_FEATURE_DSP)", "the DSP extension"),
    ),
)

TARGETS: dict[str, Target] = {t.name: t for t in (HOST, CORTEX_M4, CORTEX_M7, CORTEX_M55)}
"""Every target by name, in the order ``--target`` lists them."""


def get_target(name: str) -> Target:
    """The target called ``name``; ``StaiError`` for an unknown one."""
    try:
        return TARGETS[name]
    except KeyError:
        raise StaiError(f"unknown target '{name}' (expected one of {', '.join(TARGETS)})") from None
