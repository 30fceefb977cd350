"""Use cases that handlers and jobs call."""
