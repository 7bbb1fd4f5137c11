"""attrib: attribute a leaked list of personal records to the institution it came from."""

__version__ = "0.1.0"
