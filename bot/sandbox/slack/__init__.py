"""The fake Slack: Web API, Socket Mode, the workspace directory and signed requests."""
