"""InnerSource Bot: the core (everything that is not a Slack listener or a scheduled job)."""
