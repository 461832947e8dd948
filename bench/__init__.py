"""Microcyte's benchmark: ``python -m bench`` measures the service and writes ``bench/RESULTS.md``."""
