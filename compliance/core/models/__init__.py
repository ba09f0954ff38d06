"""Pydantic models: the solution description, rule packs and the assessment."""
