"""What every front end shares: cleaning a question, asking the engine, and the words of the reply."""
