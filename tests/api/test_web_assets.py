"""What pages load: the shared static files and each program's colours."""

from __future__ import annotations

from tests.api.support import PROGRAM


def test_a_programs_theme_carries_its_colours_and_unknown_programs_are_404(client, seeded):
    look = {"primary": "#0b3d2e", "accent": "#9a3412"}
    assert client.patch(f"/programs/{PROGRAM}", json={"branding": look}).status_code == 200
    r = client.get(f"/programs/{PROGRAM}/theme.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert "--primary: #0b3d2e" in r.text and "--accent: #9a3412" in r.text
    assert client.get("/programs/nope/theme.css").status_code == 404


def test_static_files_are_served_with_their_types(anonymous):
    css = anonymous.get("/static/app.css")
    assert css.status_code == 200 and "--primary" in css.text
    js = anonymous.get("/static/htmx-2.0.11.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert anonymous.get("/static/nothing.js").status_code == 404
