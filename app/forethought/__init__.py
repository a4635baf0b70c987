"""Forethought: question banks, scoring and risk registers for buying
public-sector technology responsibly."""

__version__ = "0.1.0"
