"""The fake GitHub and GitLab: a World of repositories served over real HTTP on 127.0.0.1."""
