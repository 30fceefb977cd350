"""Slack listeners and webhook endpoints: parse, call a service, render, reply."""
