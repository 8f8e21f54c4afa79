#!/bin/sh
# Start the background worker (exports) beside the development server; stop both together.
#   scripts/run_with_worker.sh PYTHON HOST:PORT
# The worker runs with --only-worker (it is the site's only worker: a job left "running" by a
# previous, killed worker is recovered at once). Whatever ends the server (Ctrl+C, an error, a
# SIGTERM to this script), the other process is stopped too: SIGTERM (the worker ends its
# current task gracefully), then SIGKILL after 5 s (its job is then recovered at the next start).
# Both run in the background and the script waits for the server: a shell runs its traps only
# between commands, so a foreground server would delay them.
set -u
PYTHON="$1"
ADDRESS="$2"

"$PYTHON" manage.py export_worker --only-worker &
WORKER=$!
"$PYTHON" manage.py runserver "$ADDRESS" &
SERVER=$!

stop_all() {
    trap - EXIT INT TERM
    kill -TERM "$SERVER" "$WORKER" 2>/dev/null
    i=0
    while { kill -0 "$SERVER" || kill -0 "$WORKER"; } 2>/dev/null && [ "$i" -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$SERVER" "$WORKER" 2>/dev/null
    wait 2>/dev/null
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

# Returns when the server stops (or a trapped signal arrives); a worker that dies is reported.
while kill -0 "$SERVER" 2>/dev/null; do
    if ! kill -0 "$WORKER" 2>/dev/null; then
        echo "El proceso de tareas se detuvo; se detiene también el servidor." >&2
        break
    fi
    sleep 1
done
