"""The tools built on the compiler driver: ``analyze``, ``validate`` (host and board),
post-training ``quantize`` and its comparison with the TFLite converter, the
compression-level search, the reference runtimes and the metrics.

Tools call ``stai.compiler``; the compiler never calls a tool.
"""
