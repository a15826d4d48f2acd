#!/usr/bin/env bash
# The project's test command: starts the real services the tests use, runs `cargo test`, stops them.
#
#   scripts/test.sh [cargo test args...]     e.g. scripts/test.sh store_mongo -- --nocapture
#
# - MongoDB: secantusdb (a MongoDB-protocol server from PyPI) in a venv at .venv/, in memory, on a
#   free loopback port, twice; the tests find them in PIPEDRIVE_TEST_MONGO_URI, separated by a
#   space.
# - Secret Service: gnome-keyring on a private D-Bus session (dbus-run-session), unlocked with a
#   throwaway password in a fresh XDG_DATA_HOME, so no stale keyring of this user gets in the way
#   and nothing touches the user's real keyring; the tests see PIPEDRIVE_TEST_KEYRING=1.
#
# Installs what is missing on Debian (apt-get as root, or through sudo). A test whose service is
# missing fails (it never passes without running): run the tests through this script.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
SECANTUSDB=secantusdb==0.7.0b3

log() { printf 'test.sh: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else log "need root to run: $*"; exit 1
    fi
}

apt_updated=
apt_install() {
    if ! command -v apt-get >/dev/null; then
        log "missing $*; install it with your package manager"; exit 1
    fi
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    log "installing $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- install -------------------------------------------------------------------------------------
if ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
    apt_install dbus gnome-keyring
fi
if [ ! -x "$VENV/bin/secantusd-py" ]; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        apt_install python3 python3-venv
    fi
    log "creating $VENV with $SECANTUSDB"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "$SECANTUSDB"
fi

# --- start ---------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pipedrive-test.XXXXXX")
MONGO_PIDS=()
cleanup() {
    for pid in "${MONGO_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two servers: secantusdb answers one command at a time on one core, and the MongoDB tests
# spread over both (a test takes the next URI of the list), so they use both cores.
PORTS=()
for n in 1 2; do
    PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$PORT" --storage-path :memory: \
        --log-level WARNING >"$WORK/secantusdb-$n.log" 2>&1 &
    MONGO_PIDS+=($!)
    PORTS+=("$PORT")
done
URIS=
for n in 0 1; do
    PORT=${PORTS[$n]}
    for _ in $(seq 1 150); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
        if ! kill -0 "${MONGO_PIDS[$n]}" 2>/dev/null; then
            log "secantusdb exited:"; cat "$WORK/secantusdb-$((n + 1)).log" >&2; exit 1
        fi
        sleep 0.2
    done
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        log "secantusdb did not accept connections on port $PORT within 30 s:"
        cat "$WORK/secantusdb-$((n + 1)).log" >&2
        exit 1
    fi
    URIS="$URIS${URIS:+ }mongodb://127.0.0.1:$PORT/"
done
export PIPEDRIVE_TEST_MONGO_URI=$URIS
log "secantusdb on $PIPEDRIVE_TEST_MONGO_URI"

# A private keyring home. HOME itself stays, so cargo and rustup find their toolchains.
mkdir -m 700 "$WORK/data" "$WORK/config" "$WORK/cache" "$WORK/runtime"
export XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache
export XDG_RUNTIME_DIR=$WORK/runtime

# --- test ----------------------------------------------------------------------------------------
# gnome-keyring exits with the private bus when dbus-run-session ends.
dbus-run-session -- sh -c '
    echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null ||
        { echo "test.sh: gnome-keyring-daemon did not start" >&2; exit 1; }
    export PIPEDRIVE_TEST_KEYRING=1
    cargo test --workspace --no-fail-fast "$@"
' sh "$@"
