"""Domain values: frozen dataclasses in SI units, no I/O."""
