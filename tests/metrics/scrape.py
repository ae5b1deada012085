"""Reading a scrape the way Prometheus does (prometheus_client's own parser), for assertions."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


class Scrape:
    """The samples of one ``/metrics`` answer, looked up by sample name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float | None:
        """The sample ``name`` with exactly these labels (None when there is none)."""
        return self.samples.get((name, frozenset(labels.items())))

    def series(self, name: str) -> list[dict[str, str]]:
        """The label sets of every sample called ``name``."""
        return [dict(labels) for sample, labels in self.samples if sample == name]

    def total(self, name: str, **labels: str) -> float:
        """The sum of every ``name`` sample whose labels include ``labels``."""
        wanted = set(labels.items())
        return sum(v for (sample, got), v in self.samples.items() if sample == name and wanted <= got)
