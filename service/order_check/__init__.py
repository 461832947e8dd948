"""The workup-order check: draft tests of the microcytosis workup that add nothing now."""
