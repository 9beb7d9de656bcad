"""A test-only app whose start-up registers a periodic job, for the two-worker-process scheduler test."""
