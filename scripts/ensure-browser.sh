#!/bin/sh
# pretest: make sure the dashboard's browser test has a browser. It drives Debian's chromium
# through playwright-core (never a browser Playwright downloads): installed here with apt-get when
# missing and we may (root, apt-get present); otherwise one line on what to install, and a failure.
set -u

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -f "$browser" ] && [ -x "$browser" ] && exit 0

fail() {
  echo "ensure-browser: $1" >&2
  exit 1
}

# a path of the user's own choosing is theirs to fix: apt-get puts chromium in /usr/bin only
[ -n "${CHROMIUM_PATH:-}" ] &&
  fail "CHROMIUM_PATH=$browser is not an executable: point it at a Chromium, or unset it to use Debian's chromium at /usr/bin/chromium"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  fail "the dashboard test needs Chromium at /usr/bin/chromium: install Debian's chromium and fonts-dejavu-core (sudo apt-get install chromium fonts-dejavu-core), or set CHROMIUM_PATH to a Chromium"
fi

echo "ensure-browser: installing Debian's chromium for the dashboard test (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# wait for another apt-get's lock rather than failing on it
lock='-o DPkg::Lock::Timeout=300'
log="${TMPDIR:-/tmp}/ensure-browser.$$.log"
if apt-get $lock update -qq >"$log" 2>&1 &&
  apt-get $lock install -y -qq --no-install-recommends chromium fonts-dejavu-core >>"$log" 2>&1 &&
  [ -x "$browser" ]; then
  rm -f "$log"
  exit 0
fi
tail -n 5 "$log" >&2
fail "apt-get could not install chromium (its last lines are above; all of it in $log): install chromium and fonts-dejavu-core yourself, or set CHROMIUM_PATH to a Chromium"
