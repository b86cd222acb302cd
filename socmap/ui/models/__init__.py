"""socmap.ui.models."""
