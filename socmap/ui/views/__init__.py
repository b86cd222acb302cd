"""socmap.ui.views."""
