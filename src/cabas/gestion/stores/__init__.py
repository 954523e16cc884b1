"""Shops (tenancy), memberships, roles and the permission matrix."""
