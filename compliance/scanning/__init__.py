"""Scanners as evidence: definitions, runners and importers of their output."""
