"""GDPR and cybersecurity compliance assessment engine for data-driven smart-city solutions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("compliance-engine")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

TOOL_NAME = "compliance-engine"
