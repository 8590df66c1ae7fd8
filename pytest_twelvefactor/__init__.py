"""pytest-twelvefactor: a 12-Factor App and Cloud Native audit as a pytest test suite."""

__version__ = "0.1.0"
