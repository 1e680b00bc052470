"""Parts of the Telegram Bot API emulator; tests import it through ``tests.telegram_emulator``."""
