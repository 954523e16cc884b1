"""People's accounts: sign-in, passwords, two-factor authentication."""
