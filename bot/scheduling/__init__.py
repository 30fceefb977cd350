"""Scheduled work: the scheduler lease, cron triggers, job runs recorded once per tick, APScheduler."""
