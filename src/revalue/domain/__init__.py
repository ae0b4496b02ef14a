"""The pure domain core: standard library only, no I/O, no clock (``as_of`` is passed in)."""
