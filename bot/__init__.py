"""The front ends: Telegram bot, command line, query log and moderation."""
