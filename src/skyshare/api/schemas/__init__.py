"""Wire models: strict pydantic at the edge (unknown fields, strings for numbers, NaN: 422)."""
