"""socmap.services."""
