"""notify layer."""
