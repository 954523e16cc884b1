"""The home page and its dashboard: the day's figures of every part of la gestion, for one shop."""
