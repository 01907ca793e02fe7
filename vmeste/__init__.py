"""Vmeste: an open platform to launch and run social-assistance hotlines."""

__version__ = "0.1.0"
