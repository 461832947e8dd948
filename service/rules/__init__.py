"""Rules: each situation of the workup (docs/workup.md#rules) as a small function with a stable id."""
