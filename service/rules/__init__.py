"""Rules: each situation of clinical-reference section 5 as a small function with a stable id."""
