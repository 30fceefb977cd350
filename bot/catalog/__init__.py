"""The project catalog: crawl orchestration, activity score, readiness, export."""
