"""socmap.render."""
