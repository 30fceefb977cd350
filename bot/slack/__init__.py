"""Slack rendering and delivery."""
