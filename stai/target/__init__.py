"""Cortex-M targets: compiler flags, board support, the QEMU runner, footprint reading.

``targets`` describes each target; ``folder`` writes the target parts of a generated
folder; ``toolchain`` finds the cross-compiler and emulator; ``firmware`` builds a
generated folder and a test harness into an ELF for an emulated board; ``qemu`` runs it
and counts instructions; ``footprint`` reads flash and RAM figures from the ELF;
``runner.TargetModel`` ties them together for validation. ``boards/`` holds the board
support files (startup code, linker scripts, the semihosting harness) and ``plugin/`` the
instruction-counting QEMU plugin.
"""
