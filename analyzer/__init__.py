"""keyguard: find cryptographic key-generation misuse and map it to the organisation's standard."""

__version__ = "0.1.0"
