"""Business lots: a fleet's manifest priced as one quote, received against the manifest and
settled with a lot summary."""
