# One entry point for people and CI. Everything the project needs is installed from here:
# uv (from PyPI), the Python packages (uv, committed lock), Debian's rabbitmq-server (apt-get,
# only when no broker is reachable and AMQP_URL is unset) and Debian's chromium (for `make test`).
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
COMPOSE := docker compose -f deploy/compose/compose.yaml -f deploy/compose/compose.observability.yaml

.PHONY: help setup broker chromium run test lint typecheck bench up down clean

help:
	@echo "make run    - the whole landscape on this machine (no Docker); Ctrl-C stops it"
	@echo "make test   - lint, type checks and every test against a real RabbitMQ"
	@echo "make bench  - raw aio-pika RPC vs the same load through the gateway"
	@echo "make up     - docker compose with PostgreSQL, RabbitMQ and Jaeger"
	@echo "make clean  - stop the private broker and remove var/"

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --all-packages --frozen --quiet

broker:
	@deploy/local/rabbitmq.sh start

# Browser tests drive Debian's Chromium through Playwright (no browser downloads).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "chromium: installing Debian's chromium (browser tests)"; \
		export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

run: setup broker
	@$(UV) run --frozen egov run

lint: setup
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .

typecheck: setup
	@$(UV) run --frozen mypy kit/src cli/src nuc-mock/src gateway-shep/src gbd-fl-mock/src enis-mock/src \
		egov-portal/src phc-registry/src trace-sink/src sms-gateway/src

test: setup broker chromium lint typecheck
	@$(UV) run --frozen pytest

bench: setup broker
	@$(UV) run --frozen egov bench

up:
	$(COMPOSE) up --build

down:
	$(COMPOSE) down

clean:
	@deploy/local/rabbitmq.sh stop || true
	@rm -rf var
