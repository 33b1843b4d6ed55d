#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite and the bench: Debian's `postgresql` binaries,
# a data directory under a fresh temp dir, listening on 127.0.0.1 only, on a free port.
#
#   eval "$(.ci/postgres.sh start)"      # exports DATABASE_URL and defines wcp_pg_stop
#   trap wcp_pg_stop EXIT
#
#   .ci/postgres.sh run -- npx vitest run test/stores   # start, run the command with DATABASE_URL, stop
#   .ci/postgres.sh stop <dir>                          # stop a cluster started earlier
#
# Everything meant for `eval` goes to stdout; progress goes to stderr.
set -euo pipefail

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

# initdb and postgres refuse to run as root: as root, run them as the `postgres` user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to install postgresql"; return 1
  fi
}

bin_dir() {
  local dirs
  dirs=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  printf '%s' "$dirs"
}

install_postgres() {
  log "installing Debian's postgresql (binaries not found under /usr/lib/postgresql/*/bin)"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql)
  # The package lists are only refreshed when the install fails without them.
  if ! as_root "${install[@]}" >&2; then
    as_root apt-get update -q >&2
    as_root "${install[@]}" >&2
  fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  local bin
  bin=$(bin_dir)
  if [ -z "$bin" ]; then install_postgres; bin=$(bin_dir); fi
  [ -x "$bin/initdb" ] || { log "no initdb after installing postgresql"; exit 1; }

  local dir password
  dir=$(mktemp -d "${TMPDIR:-/tmp}/wcp-postgres.XXXXXX")
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/password"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi
  chmod 700 "$dir"

  log "initdb in $dir ($("$bin/postgres" --version))"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/password" --auth=scram-sha-256 \
    -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

  # A throwaway cluster: durability is traded for speed (no fsync); the tests kill connections,
  # never the server, so nothing they check depends on it.
  local port attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2; then
      break
    fi
    log "start on port $port failed (attempt $attempt)"; tail -n 5 "$dir/server.log" >&2 || true
    [ "$attempt" = 3 ] && exit 1
  done

  log "PostgreSQL listening on 127.0.0.1:$port"
  printf "export DATABASE_URL='postgres://postgres:%s@127.0.0.1:%s/postgres'\n" "$password" "$port"
  printf "export WCP_PG_DIR='%s'\n" "$dir"
  printf "wcp_pg_stop() { '%s' stop '%s'; }\n" "$SCRIPT" "$dir"
}

stop() {
  local dir="${1:-${WCP_PG_DIR:-}}"
  [ -n "$dir" ] && [ -d "$dir" ] || { log "nothing to stop (${dir:-no dir given})"; return 0; }
  local bin
  bin=$(bin_dir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$dir/data" -w -t 60 stop -m fast >&2 || log "pg_ctl stop failed"
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || { log "usage: postgres.sh run -- command [args...]"; exit 2; }
  eval "$(start)"
  trap 'wcp_pg_stop' EXIT
  trap 'exit 130' INT TERM
  local status=0
  "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  run) shift; run "$@" ;;
  *) log "usage: postgres.sh start | stop <dir> | run -- command [args...]"; exit 2 ;;
esac
