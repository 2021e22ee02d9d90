"""The gmmkit version, in one place (read by the package, the CLI and model files)."""

__version__ = "0.1.0"
