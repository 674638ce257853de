# A first image: the monitor command with its default configuration, data on a volume.
# Build: docker build -t monitor .   Replay: docker run --rm -v monitor-data:/var/lib/monitor \
#   -v "$PWD/seeds:/seeds:ro" monitor replay /seeds
FROM python:3.11-slim

RUN useradd --system --create-home --home-dir /var/lib/monitor --shell /usr/sbin/nologin monitor

WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY config ./config
RUN pip install --no-cache-dir . && rm -rf /src

USER monitor
WORKDIR /var/lib/monitor
ENV MONITOR_DATA_DIR=/var/lib/monitor
VOLUME ["/var/lib/monitor"]

ENTRYPOINT ["monitor"]
CMD ["--help"]
