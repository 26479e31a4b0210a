"""connkit: build automation for OpenMetadata connector authors."""

__version__ = "0.1.0"
