"""The one exception type that stai's tools report as a one-line error."""


class StaiError(Exception):
    """A problem with the user's input (model, options, files): shown as one line, exit 2."""
