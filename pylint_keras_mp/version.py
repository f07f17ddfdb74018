"""The release number, alone in a module that imports nothing (``setup.cfg`` reads it, and the
modules that print it import it without importing the package's pylint hook)."""

__version__ = "0.2.0"
