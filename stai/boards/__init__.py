"""Boards: the emulated Cortex-M machines that run generated code.

A *target* (``stai.targets``) is what code is compiled for (a core and its flags); a
*board* is a machine that runs it. ``boards`` names the board of each target;
``toolchain`` finds the cross-compiler and emulator; ``firmware`` builds a generated folder
and a test harness into an ELF for a board; ``qemu`` runs it and counts instructions;
``footprint`` reads flash and RAM figures from the ELF; ``runner.TargetModel`` ties them
together. ``support/`` holds the board support files (startup code, linker scripts, the
semihosting harness) and ``plugin/`` the instruction-counting QEMU plugin.
"""
