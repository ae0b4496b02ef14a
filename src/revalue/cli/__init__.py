"""The ``revalue`` command line (Typer + Rich)."""
