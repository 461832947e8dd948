"""The chart: one typed read of a hook call's prefetch, from which every stage of the workup reasons."""
