"""Declarative content shipped inside the wheel (data, not code)."""
