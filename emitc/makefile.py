"""The target lines of a generated ``Makefile``.

A folder generated for a Cortex-M target builds with ``arm-none-eabi-gcc`` and the target's
machine flags by default. The flags are not part of ``CFLAGS`` (so ``make CFLAGS=-O3``
keeps them), a ``CFLAGS`` that contradicts them stops the build with a message, and every
generated translation unit is compiled with ``-include NAME_target.h`` (the header
``convert-buf-to-c`` makes for the target, which stops a compile with the wrong float ABI
or core).
"""

from __future__ import annotations

from stai.targets import Target

MACHINE_FLAG_PREFIXES = ("-mcpu=", "-mfloat-abi=", "-mfpu=", "-march=", "-marm", "-mthumb")
"""The ``CFLAGS`` that must agree with the target's flags."""


def makefile_section(name: str, target: Target) -> str:
    """Makefile lines that set ``CC``, ``AR`` and ``TARGET_FLAGS`` for ``target``.

    They go after the ``CFLAGS`` line; ``make STAI_TARGET=host`` drops them (a host build
    of the same folder, e.g. for host validation). Empty for the host target.
    """
    if target.is_host:
        return ""
    flags = " ".join(target.cflags)
    checked = " ".join(f"{p}%" if p.endswith("=") else p for p in MACHINE_FLAG_PREFIXES)
    return f"""
# Generated for {target.name}: the machine flags are added to every compile and CFLAGS
# must not contradict them (a mixed float ABI gives wrong results). `make STAI_TARGET=host`
# builds the same folder for the host instead.
STAI_TARGET ?= {target.name}
ifeq ($(STAI_TARGET),{target.name})
ifeq ($(origin CC),default)
CC := arm-none-eabi-gcc
endif
ifeq ($(origin AR),default)
AR := arm-none-eabi-ar
endif
TARGET_FLAGS := {flags} -ffunction-sections -fdata-sections -include {name}_target.h
STAI_BAD_FLAGS := $(filter-out {flags},$(filter {checked},$(CFLAGS)))
ifneq ($(strip $(STAI_BAD_FLAGS)),)
$(error CFLAGS has $(STAI_BAD_FLAGS) but '{name}' was generated for {target.name} ({flags}); \
mixing float ABIs or cores gives wrong results: regenerate with another --target)
endif
else ifneq ($(STAI_TARGET),host)
$(error STAI_TARGET=$(STAI_TARGET): this folder builds for {target.name} or host)
endif
"""
