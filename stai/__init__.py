"""stai: a neural-network compiler for microcontrollers."""

__version__ = "0.1.0"
