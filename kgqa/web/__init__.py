"""The web layer: the Flask app factory and its blueprints (the only layer, with `kgqa.cli`, that imports Flask)."""

from kgqa.web.app import create_app

__all__ = ["create_app"]
