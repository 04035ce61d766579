"""The REST API (FastAPI) under /api/v1: authentication, roles, problem+json errors."""
