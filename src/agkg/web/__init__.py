"""The web layer: what each page shows (``model``), in words people use (``wording``), rendered
from Jinja2 templates (``templates/``, one layout for the server and the static site).

The pages are computed from :class:`agkg.site.SiteData`, so they say exactly what the dumps say;
the view code passes plain dataclasses to the templates and never assembles HTML itself, so
escaping is the template engine's (autoescape on) and never forgotten.
"""
