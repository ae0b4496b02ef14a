"""Programs: a retailer's trade-in configuration and its price book."""
