"""Prometheus metrics: what a scrape shows after known calls, label bounds, protection, multiple workers."""
