"""The sandbox console: /innersource lines in, answers rendered as text."""
