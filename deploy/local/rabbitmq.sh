#!/usr/bin/env bash
# Ensure a RabbitMQ broker is reachable for `make run` / `make test`.
#  - If AMQP_URL is set, or something already listens on the AMQP port, use it.
#  - Otherwise install Debian's rabbitmq-server when missing and start a private node whose
#    data, logs and Erlang cookie live under var/rabbitmq (owned by the rabbitmq user).
# Usage: deploy/local/rabbitmq.sh start|stop|status|vhost NAME
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
base="$here/var/rabbitmq"
port="${RABBITMQ_NODE_PORT:-5672}"
node="egov-$(echo "$here" | md5sum | cut -c1-8)@localhost"

reachable() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

as_rabbit() {
  env HOME="$base" RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$((port + 20000))" \
    RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log" \
    RABBITMQ_CONFIG_FILE="$base/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins" \
    RABBITMQ_PID_FILE="$base/node.pid" \
    runuser -u rabbitmq -- "$@"
}

install_if_missing() {
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    echo "rabbitmq: installing Debian's rabbitmq-server" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  # Debian's package starts a system node where an init system exists; we run our own.
  if command -v service >/dev/null 2>&1 && pgrep -f "rabbit@" >/dev/null 2>&1; then
    service rabbitmq-server stop >/dev/null 2>&1 || true
  fi
}

# Tests run in their own virtual host so they never share queues with a landscape from `make run`.
vhost() {
  [ -f "$base/node.pid" ] || return 0
  as_rabbit /usr/lib/rabbitmq/bin/rabbitmqctl -q add_vhost "$1" >/dev/null 2>&1 || true
  as_rabbit /usr/lib/rabbitmq/bin/rabbitmqctl -q set_permissions -p "$1" guest ".*" ".*" ".*" >/dev/null 2>&1 || true
}

ensure_test_vhost() { vhost egov-test; }

start() {
  if [ -n "${AMQP_URL:-}" ]; then echo "rabbitmq: using AMQP_URL"; return 0; fi
  if reachable; then echo "rabbitmq: already listening on 127.0.0.1:$port"; ensure_test_vhost; return 0; fi
  install_if_missing
  mkdir -p "$base/mnesia" "$base/log"
  printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\nlog.file.level = warning\nlog.console = false\n' "$port" > "$base/rabbitmq.conf"
  echo "[]." > "$base/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$base"
  echo "rabbitmq: starting private node $node on 127.0.0.1:$port (data in var/rabbitmq)"
  as_rabbit /usr/lib/rabbitmq/bin/rabbitmq-server > "$base/log/stdout.log" 2>&1 &
  for _ in $(seq 1 120); do
    if reachable && as_rabbit /usr/lib/rabbitmq/bin/rabbitmqctl -q await_startup --timeout 1 >/dev/null 2>&1; then
      ensure_test_vhost
      echo "rabbitmq: ready"; return 0
    fi
    sleep 1
  done
  echo "rabbitmq: did not start; see $base/log" >&2
  tail -n 30 "$base/log/stdout.log" >&2 || true
  return 1
}

stop() {
  [ -d "$base" ] || return 0
  as_rabbit /usr/lib/rabbitmq/bin/rabbitmqctl -q stop >/dev/null 2>&1 || true
}

status() { reachable && echo "rabbitmq: up on 127.0.0.1:$port" || { echo "rabbitmq: down"; return 1; }; }

case "${1:-start}" in
  vhost) vhost "${2:?vhost name}" ;;
  *) "${1:-start}" ;;
esac
