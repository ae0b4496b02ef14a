"""Revalue: an open-source platform that runs a device trade-in program end to end."""

__version__ = "0.1.0"
