"""Finding the passage that answers a question: terms, BM25 scoring, ranking and the quote."""
