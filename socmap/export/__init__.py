"""socmap.export."""
