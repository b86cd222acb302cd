"""socmap.store."""
