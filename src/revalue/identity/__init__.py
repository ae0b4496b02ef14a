"""Device identity: identifiers (IMEI, MEID, serial), identification from TAC tables, and the
checks a device must pass (blocklist, locks, finance), each behind a provider interface."""
