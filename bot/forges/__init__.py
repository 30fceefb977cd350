"""Forge adapters: one file per forge behind the protocol in base.py."""
