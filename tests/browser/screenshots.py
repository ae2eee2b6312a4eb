"""Screenshots of the dashboard and an incident page for the docs, from a real run on seeded data.

    .venv/bin/python tests/browser/screenshots.py       # writes docs/img/dashboard.png, incident.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser.live import chromium, serve  # noqa: E402
from browser.seed import incident_of, seed  # noqa: E402
from otkaz.store import Database  # noqa: E402
from otkaz.web import Settings, create_app  # noqa: E402
from otkaz.web.auth import hash_password  # noqa: E402

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PASSWORD = "screenshot-password"


def main() -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(str(Path(folder) / "otkaz.db"))
        seed(db)
        db.add_user("analyst", "analyst", hash_password(PASSWORD), by="screenshots")
        incident = incident_of(db, "seed/en-belgorod.txt")
        app = create_app(Settings(secret_key="screenshots"), db=db)
        with serve(app) as base, chromium() as browser:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
            page.goto(f"{base}/login")
            page.fill("#l-name", "analyst")
            page.fill("#l-password", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.goto(f"{base}/")
            page.wait_for_selector("#map[data-loaded]")
            page.wait_for_timeout(500)  # let the outlines draw
            page.screenshot(path=str(DOCS_IMG / "dashboard.png"), full_page=True)
            page.goto(f"{base}/incidents/{incident.id}")
            page.screenshot(path=str(DOCS_IMG / "incident.png"), full_page=True)
        db.close()
    print(f"wrote {DOCS_IMG / 'dashboard.png'} and {DOCS_IMG / 'incident.png'}")


if __name__ == "__main__":
    main()
