"""The command lines: ``stai`` (``main``, with ``reports`` for analyze/validate and
``quantize`` for the quantization options), ``stai-opt`` (``opt``) and ``stai-translate``
(``translate``). Nothing else in the package imports this layer."""
