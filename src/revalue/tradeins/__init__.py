"""Trade-ins: the lifecycle, its records, and the hash-chained custody log."""
