# quotebot: the Telegram bot, the CLI and the seed corpus in one image.
#   docker build -t quotebot .
#   docker run --rm quotebot ask "What were Putin's three demands?"
#   docker run -d -e TELEGRAM_BOT_TOKEN=... -v quotebot-data:/data quotebot

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/quotebot
ENV PATH=/opt/quotebot/bin:$PATH
# Dependencies first, pinned by the lock file, so code changes do not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY corpus ./corpus
COPY retrieval ./retrieval
RUN pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin quotebot \
    && mkdir -p /app /data \
    && chown quotebot /data
COPY --from=build /opt/quotebot /opt/quotebot
COPY seeds /app/seeds
ENV PATH=/opt/quotebot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QUOTEBOT_CORPUS=/app/seeds \
    QUOTEBOT_DATA_DIR=/data
WORKDIR /app
# The search index ships with the image, so a container answers without indexing at start.
RUN quotebot index --corpus /app/seeds
VOLUME ["/data"]
USER 10001
# 8080: webhook (PORT); 9090: /healthz and /metrics (QUOTEBOT_METRICS_PORT).
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["quotebot", "healthcheck"]
ENTRYPOINT ["quotebot"]
CMD ["run"]
