"""The moderators' web inbox: review logged questions, teach the bot, watch how it does, export.

`quotebot web` serves it (bot/web/server.py) from its own process, reading the same database as the bot.
"""
