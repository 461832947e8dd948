"""Lab results: the analyte table, reading Observations, choosing the results in window, derived indices."""
