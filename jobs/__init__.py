"""Scheduled jobs, one per file, each a thin call into a service."""
