"""socmap.geo."""
