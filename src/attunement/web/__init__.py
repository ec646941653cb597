"""The web app: a JSON API under ``/api/v1`` (and, to come, pages), on the same services as the CLI."""
