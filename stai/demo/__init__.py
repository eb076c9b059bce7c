"""``python -m stai.demo``: train a digits CNN (``model``), compile it, run the C and compare
it with TFLite Micro."""
