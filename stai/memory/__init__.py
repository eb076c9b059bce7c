"""Memory pools (``pools``: the pool list or linker script a user gives) and the memory
plan a compiled module holds (``report``: buffers, pools, flash, the report text)."""
