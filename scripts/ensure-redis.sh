#!/bin/sh
# pretest (and .ci/run): the tests need a Redis at 127.0.0.1:$REDIS_TEST_PORT (6379). If none
# answers, start redis-server (no persistence, log under .ci/) — installing Debian's
# redis-server with apt-get first when it is missing and we may (root); else one line on what to do.
set -u

port="${REDIS_TEST_PORT:-6379}"

answers() {
  # PING over the shell's own socket support is bash-only: ask redis-cli when there is one,
  # else node (always here: npm runs this)
  node -e '
    const s = require("node:net").connect(Number(process.argv[1]), "127.0.0.1");
    s.setTimeout(2000, () => process.exit(1));
    s.on("error", () => process.exit(1));
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => process.exit(String(d).startsWith("+PONG") ? 0 : 1));
  ' "$port"
}

fail() {
  echo "ensure-redis: $1" >&2
  exit 1
}

answers && exit 0

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "the tests need Redis at 127.0.0.1:$port and none answers: start one, or install redis-server (sudo apt-get install redis-server) so that npm test starts it"
  fi
  echo "ensure-redis: installing Debian's redis-server for the tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  lock='-o DPkg::Lock::Timeout=300'
  { apt-get $lock update -qq && apt-get $lock install -y -qq --no-install-recommends redis-server; } \
    >/dev/null 2>&1 || fail "apt-get could not install redis-server: install it yourself, or start a Redis at 127.0.0.1:$port"
fi

mkdir -p .ci
echo "ensure-redis: no Redis on 127.0.0.1:$port: starting redis-server"
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
  --logfile "$PWD/.ci/redis-$port.log" || fail "redis-server did not start (see .ci/redis-$port.log)"
for _ in $(seq 1 50); do
  answers && exit 0
  sleep 0.1
done
fail "redis-server started but does not answer on 127.0.0.1:$port (see .ci/redis-$port.log)"
