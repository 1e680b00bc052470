# quotebot: the Telegram bot, the CLI and the seed corpus in one image.
#   docker build -t quotebot .
#   docker run --rm quotebot ask "What were Putin's three demands?"
#   docker run -d -e TELEGRAM_BOT_TOKEN=... -v quotebot-data:/data quotebot

FROM python:3.11-slim AS build
WORKDIR /src
# A C compiler for BM25's compiled scan (retrieval/_scan.c); only this stage has it, the runtime gets the result.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
# No pip or setuptools inside the runtime's environment: the base image's pip installs into it (--python).
RUN python -m venv --without-pip /opt/quotebot
# Dependencies first, pinned by the lock file, so code changes do not reinstall them.
COPY requirements.lock ./
RUN pip --python /opt/quotebot/bin/python install --no-cache-dir -r requirements.lock
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY corpus ./corpus
COPY retrieval ./retrieval
COPY seeds ./seeds
COPY docker/slim_site_packages.py ./docker/
# Then what the runtime never reads goes: test suites, unused word lists and locale data (see the script).
RUN pip --python /opt/quotebot/bin/python install --no-cache-dir --no-deps . \
    && /opt/quotebot/bin/python docker/slim_site_packages.py /opt/quotebot/lib/python3.11/site-packages

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin quotebot \
    && mkdir -p /app /data \
    && chown quotebot /data
COPY --from=build /opt/quotebot /opt/quotebot
# The corpus folder belongs to the user the container runs as: moderators add sources to it (a file, /add URL).
COPY --chown=10001 seeds /app/seeds
ENV PATH=/opt/quotebot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QUOTEBOT_CORPUS=/app/seeds \
    QUOTEBOT_DATA_DIR=/data \
    QUOTEBOT_METRICS_HOST=0.0.0.0
WORKDIR /app
# The search index ships with the image, so a container answers without indexing at start. It is built by
# the user the container runs as, who can then also replace it when the sources change (its files are 0644).
RUN install -d -o quotebot /app/seeds/.quotebot-index
USER 10001
RUN quotebot index --corpus /app/seeds
VOLUME ["/data"]
# 8080: webhook (PORT); 9090: /healthz and /metrics (QUOTEBOT_METRICS_PORT); 8090: `quotebot web` (QUOTEBOT_WEB_PORT).
EXPOSE 8080 9090 8090
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["quotebot", "healthcheck"]
ENTRYPOINT ["quotebot"]
CMD ["run"]
