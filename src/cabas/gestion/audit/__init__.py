"""The audit trail: who changed what, when, in which shop. One mechanism for the whole project."""
