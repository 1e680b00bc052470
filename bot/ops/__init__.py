"""Running the bot as a service: settings, logs, health, metrics and the process runtime."""
