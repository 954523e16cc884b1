"""The person who signs in to la gestion."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person. Shops and roles hang off Membership; a person is never deleted, only
    deactivated, so that their past actions stay attributed."""

    def __str__(self) -> str:
        return self.get_full_name() or self.username
