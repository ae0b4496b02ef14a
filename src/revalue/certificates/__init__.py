"""Certificates of sanitization: canonical JSON signed with Ed25519, verifiable by anyone."""
