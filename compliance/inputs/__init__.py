"""Inputs at the edge: solution files and rule packs read from disk, with size limits and
file:line:column errors, validated into the core's models."""
