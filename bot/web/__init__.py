"""The production HTTP server (`serve`): routing, health, metrics and access log around WSGI routes."""

from bot.web.server import HttpServer, Metrics, Route, build_web_app

__all__ = ["HttpServer", "Metrics", "Route", "build_web_app"]
