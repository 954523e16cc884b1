"""Cabas: till (la caisse) and back office (la gestion) for social grocery shops."""

__version__ = "0.1.0"
