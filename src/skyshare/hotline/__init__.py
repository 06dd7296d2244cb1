"""hotline layer."""
