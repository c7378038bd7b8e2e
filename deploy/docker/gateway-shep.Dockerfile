# gateway-shep: image of `python -m gateway_shep` listening on 8100.
#
# GENERATED from deploy/docker/Dockerfile.service by deploy/docker/render.py: edit the template
# and run `python deploy/docker/render.py --all`, never this file. Build context: the
# repository root, e.g.
#   docker build -f deploy/docker/gateway-shep.Dockerfile -t egov/gateway-shep .
ARG SERVICE_DIR=gateway-shep
ARG SERVICE_PACKAGE=gateway_shep
ARG SERVICE_PORT=8100

# uv, pinned to the release that wrote uv.lock (Makefile: UV_VERSION).
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# --- build: a virtual environment with the service, egov-kit and their locked dependencies -----
FROM python:3.11.14-slim-bookworm AS build
ARG SERVICE_DIR
COPY --from=uv /uv /usr/local/bin/uv
# lxml and xmlsec come as manylinux wheels (no-build-package in pyproject.toml): no compiler and
# no libxmlsec1-dev are needed. The image's own interpreter is used, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Third-party dependencies first: this layer is rebuilt only when the lock or a manifest changes.
# uv discovers the whole workspace, so every member's pyproject.toml is needed here.
COPY pyproject.toml uv.lock ./
COPY kit/pyproject.toml kit/pyproject.toml
COPY cli/pyproject.toml cli/pyproject.toml
COPY nuc-mock/pyproject.toml nuc-mock/pyproject.toml
COPY gateway-shep/pyproject.toml gateway-shep/pyproject.toml
COPY gbd-fl-mock/pyproject.toml gbd-fl-mock/pyproject.toml
COPY enis-mock/pyproject.toml enis-mock/pyproject.toml
COPY egov-portal/pyproject.toml egov-portal/pyproject.toml
COPY phc-registry/pyproject.toml phc-registry/pyproject.toml
COPY trace-sink/pyproject.toml trace-sink/pyproject.toml
COPY sms-gateway/pyproject.toml sms-gateway/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "${SERVICE_DIR}"
# Then the code this service runs (egov-kit and the service itself), installed in place so the
# checkout layout holds inside the image (/app/kit, /app/<service>, /app/contracts,
# /app/services): code that looks for the checkout root (the folder holding kit/pyproject.toml)
# finds it as in a checkout. kit/src brings egov-kit's package data (egov_kit/static/ncalayer.js,
# served by the portal and phc-registry); contracts/ holds the XSDs (ШЭП envelope, business
# documents); services/ holds the regulations (egov_kit.regulations; EGOV_SERVICES_DIR overrides).
COPY kit/src kit/src
COPY ${SERVICE_DIR}/src ${SERVICE_DIR}/src
COPY contracts contracts
COPY services services
COPY deploy/docker/healthcheck.py deploy/docker/healthcheck.py
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "${SERVICE_DIR}" \
 && python -m compileall -q kit/src "${SERVICE_DIR}/src"

# --- runtime: the interpreter, the environment and the code; no uv, no compiler, not root -------
FROM python:3.11.14-slim-bookworm AS runtime
ARG SERVICE_DIR
ARG SERVICE_PACKAGE
ARG SERVICE_PORT
LABEL org.opencontainers.image.title="${SERVICE_DIR}" \
      org.opencontainers.image.description="egov sandbox service ${SERVICE_DIR} (python -m ${SERVICE_PACKAGE})"
RUN groupadd --system --gid 10001 egov \
 && useradd --system --uid 10001 --gid egov --home-dir /var/lib/egov --no-create-home \
      --shell /usr/sbin/nologin egov \
 && install -d -o egov -g egov -m 0750 /var/lib/egov
COPY --from=build /app /app
# HOST: listen on every interface of the container. EGOV_VAR_DIR: keys, certificates and SQLite
# files (compose mounts a named volume there). HEALTHCHECK_URL is read by healthcheck.py only.
ENV PATH=/app/.venv/bin:$PATH \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    EGOV_VAR_DIR=/var/lib/egov \
    OTEL_SERVICE_NAME=${SERVICE_DIR} \
    SERVICE_PACKAGE=${SERVICE_PACKAGE} \
    HEALTHCHECK_URL=http://127.0.0.1:${SERVICE_PORT}/healthz
WORKDIR /app
VOLUME ["/var/lib/egov"]
USER 10001:10001
EXPOSE 8100
# Slim images have no curl or wget: the probe is a few lines of the standard library.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
    CMD ["python", "/app/deploy/docker/healthcheck.py"]
CMD ["python", "-m", "gateway_shep"]
