#!/usr/bin/env bash
# Start nx-27017, a MongoDB wire-protocol server on SQLite, for the Mongo tests.
#
# Usage: scripts/start_mongo_server.sh [STATE_DIR]
#        scripts/start_mongo_server.sh --stop STATE_DIR
#
# The server listens on 127.0.0.1 on a free port and keeps one SQLite file per
# database in STATE_DIR/data (--data-dir, because nx-27017's single-file --db
# mode shares one namespace between all database names). Its log and pid file
# are STATE_DIR/nx-27017.log and STATE_DIR/nx-27017.pid. The script prints the
# URL (mongodb://127.0.0.1:PORT) on stdout once the port accepts connections,
# and leaves the server running. STATE_DIR defaults to a new temporary folder.
# NX_27017 overrides the server executable (default: the one next to this
# repository's venv python, then the one on PATH).
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
startup_timeout_s=20

if [[ "${1:-}" == "--stop" ]]; then
    state_dir="${2:?usage: $0 --stop STATE_DIR}"
    pid="$(cat "$state_dir/nx-27017.pid")"
    kill "$pid"
    echo "stopped nx-27017 (pid $pid)" >&2
    exit 0
fi

state_dir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/nx-27017.XXXXXX")}"
mkdir -p "$state_dir/data"
state_dir="$(cd "$state_dir" && pwd)"
log_file="$state_dir/nx-27017.log"
pid_file="$state_dir/nx-27017.pid"

server="${NX_27017:-}"
if [[ -z "$server" ]]; then
    if [[ -x "$repo_dir/.venv/bin/nx-27017" ]]; then
        server="$repo_dir/.venv/bin/nx-27017"
    else
        server="$(command -v nx-27017)" || { echo "nx-27017 not found; install the [test] extra" >&2; exit 1; }
    fi
fi

# Port 0 lets the kernel pick a free port; the server logs the one it got.
: > "$log_file"
# nx-27017 refuses to start while its pid file names a live process, and
# writes the file itself.
rm -f "$pid_file"
"$server" --data-dir "$state_dir/data" --host 127.0.0.1 --port 0 \
    --log-file "$log_file" --pid-file "$pid_file" \
    > "$state_dir/nx-27017.stdout" 2>&1 < /dev/null &
server_pid=$!

port=""
deadline=$((SECONDS + startup_timeout_s))
while [[ -z "$port" ]]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "nx-27017 exited during startup; see $state_dir/nx-27017.stdout" >&2
        exit 1
    fi
    if (( SECONDS >= deadline )); then
        kill "$server_pid"
        echo "nx-27017 did not listen within ${startup_timeout_s} s; see $log_file" >&2
        exit 1
    fi
    port="$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9]\+\).*/\1/p' "$log_file" | head -n 1)"
    [[ -n "$port" ]] || sleep 0.05
done

# The log line comes just before the socket accepts; wait until it does.
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if (( SECONDS >= deadline )); then
        kill "$server_pid"
        echo "nx-27017 port $port did not accept connections within ${startup_timeout_s} s" >&2
        exit 1
    fi
    sleep 0.05
done

[[ -s "$pid_file" ]] || echo "$server_pid" > "$pid_file"
echo "nx-27017 pid $server_pid, state in $state_dir (stop: $0 --stop $state_dir)" >&2
echo "mongodb://127.0.0.1:$port"
