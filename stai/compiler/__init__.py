"""The compiler driver: a model file through the pass pipeline to a generated folder.

This layer sits on the compiler core (dialects, frontends, transforms, lowering, emitc,
runtime) and below the tools and the command line: it imports the core only, and nothing
in the core imports it.
"""
