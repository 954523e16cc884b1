"""What every part of la gestion shares: the layout, the home page, the demo data, helpers."""
