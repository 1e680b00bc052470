"""Prometheus metrics of one running bot, in a registry of its own so tests and workers never share state."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """What operators watch: questions, answer latency, log backlog, Telegram errors, corpus size."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.questions = Counter(
            "quotebot_questions",
            "Questions received, by channel and whether they were answered",
            ["channel", "answered"],
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "quotebot_answer_seconds",
            "Time from receiving a question to having its answer ready",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.log_buffer = Gauge(
            "quotebot_log_buffer_records", "Query-log records not yet written to the database", registry=self.registry
        )
        self.telegram_errors = Counter(
            "quotebot_telegram_api_errors",
            "Errors from the Telegram Bot API, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.corpus_passages = Gauge("quotebot_corpus_passages", "Passages in the search index", registry=self.registry)
        self.skipped_updates = Counter(
            "quotebot_updates_skipped",
            "Updates from Telegram not handled: unparseable, malformed, or a duplicate of one already received",
            ["reason"],
            registry=self.registry,
        )
        self.journaled_updates = Gauge(
            "quotebot_updates_journaled",
            "Updates received and not yet answered (in the intake journal)",
            registry=self.registry,
        )

    def observe_question(self, channel: str, answered: bool, seconds: float) -> None:
        self.questions.labels(channel=channel, answered=str(answered).lower()).inc()
        self.answer_seconds.observe(seconds)

    def observe_telegram_error(self, error: BaseException) -> None:
        self.telegram_errors.labels(kind=type(error).__name__).inc()

    def observe_skipped_update(self, reason: str) -> None:
        self.skipped_updates.labels(reason=reason).inc()

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
