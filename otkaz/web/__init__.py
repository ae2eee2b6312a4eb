"""The analysts' web application: dashboard, incident pages, review, ingest, JSON API.

    from otkaz.web import Settings, create_app
    app = create_app(Settings.from_env("otkaz.db"))   # serve with uvicorn
"""

from otkaz.web.app import Settings, create_app

__all__ = ["Settings", "create_app"]
