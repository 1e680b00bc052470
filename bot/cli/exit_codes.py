"""Exit codes of every `quotebot` command, by convention: 0 success, 1 failure, 2 usage error."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
