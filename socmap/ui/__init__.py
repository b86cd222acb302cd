"""socmap.ui."""
