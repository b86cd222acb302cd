"""socmap.ui.dialogs."""
