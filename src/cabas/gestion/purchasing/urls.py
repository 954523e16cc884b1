from __future__ import annotations

app_name = "purchasing"

urlpatterns: list = []
