"""What every front end says after a source was added: the stored file and what the corpus reads from it."""

from __future__ import annotations

from bot.answers.wording import english
from corpus.intake import Added


def added_summary(added: Added) -> str:
    """What was stored and what the corpus reads from it: title, date and passages of each document."""
    lines = [f"added {added.relative}"]
    for document in added.source.documents:
        count = sum(1 for passage in added.source.passages if passage.document is document)
        plural = "s" if count != 1 else ""
        lines.append(f"  {document.title} ({english().date(document.date)}), {count} passage{plural}")
    lines.extend(f"  warning: {warning}" for warning in added.source.warnings)
    return "\n".join(lines)
