"""The corpus as the bot indexed it: its documents with type, date, passages and load warnings, and each
document's passages exactly as they are quoted."""

from __future__ import annotations

from collections import Counter

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web.auth import page, render
from bot.web.sessions import Session
from bot.web.state import web_state
from corpus.model import Document


def _kind(document: Document) -> str:
    """The document's type as the loader read it (plain text for the documents without one)."""
    kind: str = getattr(document, "kind", "text")
    return kind


@page
async def corpus_page(request: Request, session: Session) -> Response:
    """GET /corpus: every document, newest first (undated last), and the loader's warnings."""
    corpus = web_state(request).engine.corpus
    passages = Counter(passage.doc_id for passage in corpus.passages)
    documents = sorted(corpus.documents, key=lambda d: (d.date is not None, d.date), reverse=True)
    return render(
        request,
        session,
        "corpus.html",
        {
            "documents": [(document, _kind(document), passages[document.doc_id]) for document in documents],
            "passages": len(corpus.passages),
            "warnings": corpus.warnings,
        },
    )


@page
async def document_page(request: Request, session: Session) -> Response:
    """GET /corpus/{doc_id}: the document's passages as indexed."""
    corpus = web_state(request).engine.corpus
    doc_id = request.path_params["doc_id"]
    document = next((d for d in corpus.documents if d.doc_id == doc_id), None)
    if document is None:
        raise HTTPException(404, "There is no such document in the corpus.")
    passages = [passage for passage in corpus.passages if passage.doc_id == doc_id]
    return render(
        request, session, "document.html", {"document": document, "kind": _kind(document), "passages": passages}
    )


routes = [Route("/corpus", corpus_page), Route("/corpus/{doc_id:path}", document_page)]
