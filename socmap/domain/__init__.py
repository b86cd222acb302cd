"""socmap.domain."""
