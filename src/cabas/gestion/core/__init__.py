"""What every part of la gestion shares, knowing none of them: the layout and error pages, form
fields, database helpers, throttles, the replica router, display filters, deploy checks, and the
rows of pending imports (see docs/architecture.md for the one import of a shop this makes)."""
