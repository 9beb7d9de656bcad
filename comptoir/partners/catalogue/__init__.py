"""Partner apps, one class per app. Use `registry.app_get(slug)` / `registry.app_list()`."""
