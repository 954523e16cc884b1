"""The person who signs in to la gestion."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person. Shops and roles hang off Membership; a person is never deleted, only
    deactivated, so that their past actions stay attributed."""

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RecoveryCode(models.Model):
    """A single-use code that replaces the authenticator app once (a lost or broken phone).
    Only a digest is kept: the codes are shown once, when they are made, and never again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "digest"])]

    def __str__(self) -> str:
        return f"code de secours de {self.user}"
