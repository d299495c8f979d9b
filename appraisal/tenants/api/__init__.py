"""The REST API v1 (``/api/v1/t/<slug>/…``) and the API tokens an office issues for it."""
