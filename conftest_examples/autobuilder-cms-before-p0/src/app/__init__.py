"""Auto-Builder CMS backend: web API, Celery worker and MCP server."""
