# alsbot in a container: see docs/DEPLOY.md.
#
#   docker build -t alsbot .
#   docker run --env-file alsbot.env -v alsbot-data:/data -p 127.0.0.1:3000:3000 alsbot
#
# Settings come from the environment (ALSBOT_<SECTION>_<KEY>, secrets as SLACK_BOT_TOKEN
# etc.), or from a file: mount it and run `run --config /etc/alsbot/alsbot.toml`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY jobs ./jobs
RUN pip install . && rm -rf /src

# A fixed uid, so that a bind-mounted /data can be chown'ed to it on the host (10001:10001).
RUN groupadd --system --gid 10001 alsbot \
    && useradd --system --uid 10001 --gid alsbot --home-dir /data --shell /usr/sbin/nologin alsbot \
    && mkdir -p /data /etc/alsbot \
    && chown alsbot:alsbot /data

# The SQLite database lives on the volume (an absolute path: four slashes). With
# PostgreSQL, set ALSBOT_DATABASE_URL=postgresql+asyncpg://… and the volume stays empty.
VOLUME /data
WORKDIR /data
ENV ALSBOT_DATABASE_URL=sqlite+aiosqlite:////data/alsbot.db \
    ALSBOT_SLACK_HOST=0.0.0.0 \
    ALSBOT_SLACK_PORT=3000 \
    ALSBOT_HEALTH_HOST=127.0.0.1 \
    ALSBOT_HEALTH_PORT=8081
# Slack HTTP mode (POST /slack/events): publish it only to the reverse proxy.
EXPOSE 3000

USER alsbot

# The health server (`[health] port`) answers 200 while every part is healthy, 503 otherwise;
# urlopen raises on 503 and on a refused connection, so the command exits 1. The slim image
# has no curl; the opener ignores any HTTP(S)_PROXY in the environment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:%s/healthz' % os.environ.get('ALSBOT_HEALTH_PORT', '8081'), timeout=4)"]

# alsbot stops cleanly on SIGTERM (finishing deliveries in flight): give it the time with
# `docker stop --time 90` or compose's `stop_grace_period: 90s` (Docker's default is 10 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["alsbot"]
CMD ["run"]
