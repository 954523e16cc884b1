from __future__ import annotations

app_name = "stock"

urlpatterns: list = []
