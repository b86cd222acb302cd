"""socmap.ui.widgets."""
