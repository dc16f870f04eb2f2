"""A browser-like test client for the portal: it keeps cookies, and its forms carry the CSRF token the pages
give them (as a browser posting a page's form does), unless a test sends its own ``csrf_token``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from xinyong.app import create_app
from xinyong.portal import web


class PortalClient(TestClient):
    def csrf(self) -> str:
        """The token the current pages' forms carry: the session's when signed in (read from a page's
        form, as a browser has it), else the browser's cookie."""
        import re

        page = self.get("/", follow_redirects=False)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        return found.group(1) if found else (self.cookies.get(web.CSRF_COOKIE) or "")

    def post(self, url, *args, data=None, **kw):
        if isinstance(data, dict) and "csrf_token" not in data and not kw.pop("no_csrf", False):
            data = {**data, "csrf_token": self.csrf()}
        return super().post(url, *args, data=data, **kw)

    def sign_in(self, token: str, *, follow: bool = False):
        """Sign in with the form, as a person does; returns the response (a 303 to the role's home)."""
        return self.post("/login", data={"token": token}, follow_redirects=follow)


def portal_client(engine) -> PortalClient:
    return PortalClient(create_app(engine))
