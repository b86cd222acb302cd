"""socmap: serious and organised crime mapping for police intelligence analysts."""

__version__ = "0.1.0"
