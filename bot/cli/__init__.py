"""The command line: `quotebot` and its subcommands, and the local chat console."""
