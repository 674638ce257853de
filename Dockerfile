# The monitor service in a container: `monitor run` polls the configured feeds, stores what it
# reads in SQLite on the volume /var/lib/monitor and serves Prometheus metrics on port 9108.
#
# Build:   docker build -t monitor .
# Run:     docker run -d --name monitor -v monitor-data:/var/lib/monitor -p 9108:9108 monitor
# Stop:    docker stop monitor       (SIGTERM: in-flight work finishes, exit 0)
# Reload:  docker kill -s HUP monitor   (re-reads the configuration)
# Health:  docker inspect --format '{{.State.Health.Status}}' monitor   (runs `monitor check`)
# Other commands, on the same volume:
#   docker run --rm -v monitor-data:/var/lib/monitor monitor feeds
#   docker run --rm -v monitor-data:/var/lib/monitor -v "$PWD/seeds:/seeds:ro" monitor replay /seeds
# JSON log lines:  docker run ... monitor --log-format json run
# Your own configuration: mount it over /etc/monitor/monitor.toml (keep its [service] lines, or the
# metrics listen on the container's loopback only), or mount it elsewhere and set MONITOR_CONFIG.
# PostgreSQL instead of SQLite: build with the driver and name the database,
#   docker build --build-arg EXTRAS=postgres -t monitor .
#   docker run ... -e MONITOR_DB_URL=postgresql+psycopg://user:pass@host/db monitor
# A host directory as the volume must be writable by uid 10001:  chown 10001:10001 DIR

# --- build: the wheel of this checkout ----------------------------------------------------------
FROM python:3.11-slim AS build
WORKDIR /src
# What the wheel is made of (pyproject.toml: the readme, the package, config/ as monitor/_config).
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY config ./config
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- the image ----------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# A user of its own, with a fixed id (for the ownership of bind mounts and for runAsNonRoot).
RUN groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid monitor --no-create-home \
        --home-dir /var/lib/monitor --shell /usr/sbin/nologin monitor \
    && install -d -o monitor -g monitor -m 0750 /var/lib/monitor

# The dependencies first, from pyproject.toml alone, so that a change to the code reuses this layer.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("/tmp/pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/pyproject.toml /tmp/requirements.txt

# The package, with the optional dependencies named in EXTRAS (pyproject.toml: "postgres").
ARG EXTRAS=""
COPY --from=build /wheels /tmp/wheels
RUN pip install "$(echo /tmp/wheels/*.whl)${EXTRAS:+[$EXTRAS]}" && rm -rf /tmp/wheels

# The image's configuration (deploy/container.toml): only what differs from the package's defaults.
COPY deploy/container.toml /etc/monitor/monitor.toml

ENV MONITOR_CONFIG=/etc/monitor/monitor.toml \
    MONITOR_DATA_DIR=/var/lib/monitor
VOLUME ["/var/lib/monitor"]
WORKDIR /var/lib/monitor
USER 10001:10001
EXPOSE 9108

# Configuration and watchlist read, database reachable: exit 0 (healthy), else 1 (or 2 for a
# mistake in the configuration) with the reason; Docker counts any code but 0 as unhealthy.
HEALTHCHECK --interval=60s --timeout=30s --start-period=30s --retries=3 \
    CMD ["monitor", "check"]

# Exec form: monitor is PID 1 and receives the stop signal itself. It stops within about 6 s,
# inside docker stop's default 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["monitor"]
CMD ["run"]
