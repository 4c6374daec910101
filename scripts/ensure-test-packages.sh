#!/usr/bin/env bash
# What the test suite needs from Debian's packages, installed when missing:
#   chromium        the GraphiQL test drives it through playwright-core (Playwright's own
#                   browser download cannot work here);
#   postgresql-15   the PostgreSQL half of the suite and the multi-instance tests start
#                   throwaway servers with its initdb and pg_ctl (found through pg_config);
#   redis-server    likewise, for live events across instances.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! command -v pg_config >/dev/null 2>&1 || [ ! -x "$(pg_config --bindir)/initdb" ]; then missing+=(postgresql-15); fi
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need Debian's packages ${missing[*]}: install them (sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "installing ${missing[*]} from Debian's packages for the tests…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
