"""The device catalog: models, their identifiers and variants."""
