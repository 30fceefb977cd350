# InnerSource Bot: one image for every role — `serve` (HTTP replicas), `worker`, `db upgrade`, `run`.
# Build: docker build -t innersource-bot .   Run: see docker-compose.yml and deploy/k8s/.

# The wheel is built apart so the final image holds the installed package, not the source tree.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY jobs/ jobs/
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INNERSOURCE_HTTP_PORT=3000
# Runtime dependencies only (no dev extras); psycopg[binary], numpy and rapidfuzz ship wheels.
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --system --gid 10001 innersource \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin innersource
WORKDIR /app
USER 10001:10001
EXPOSE 3000
# `serve` answers 200 on /healthz when ready and 503 while it waits (for Slack, the database); slim
# images have no curl, so the check is Python's own urllib (an HTTP error or no answer exits non-zero).
# Workers listen on no port: docker-compose.yml disables the check for them.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('INNERSOURCE_HTTP_PORT', '3000'), timeout=4)"]
ENTRYPOINT ["innersource-bot"]
CMD ["serve"]
