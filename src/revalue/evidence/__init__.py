"""Photo evidence: stored by content hash, with who took it and when."""
