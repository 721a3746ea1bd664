"""Exports for conflict researchers (UCDP GED and ACLED tables)."""
