"""ASGI entry point for uvicorn: `anwang.platform.web.asgi:app`."""

from anwang.platform.web.app import create_app

app = create_app()
