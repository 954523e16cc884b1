from __future__ import annotations

from django.apps import AppConfig


class AccompanimentConfig(AppConfig):
    name = "cabas.gestion.accompaniment"
    label = "accompaniment"
    verbose_name = "Accompagnement"

    def ready(self) -> None:
        # The household's part for its access-request export and anonymisation.
        from cabas.gestion.accompaniment import privacy  # noqa: F401  (registration)
