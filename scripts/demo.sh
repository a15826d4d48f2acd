#!/usr/bin/env bash
# Try pipedrive without a Pipedrive account: start the mock Pipedrive that ships with the source,
# log in against it, export its deals to CSV, show a preview, stop the mock.
#
# Usage: scripts/demo.sh            (from anywhere inside the repository; needs cargo and curl,
#                                  and python3 for a column-true preview)
#
# Nothing outside a fresh temporary directory is touched: your real login, keyring and
# ~/.config/pipedrive are left alone.
set -euo pipefail

cd "$(dirname "$0")/.."
# The demo's own narration goes to stdout; pipedrive's messages and progress go to stderr.
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
[ -t 1 ] || say() { printf '\n==> %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
command -v cargo >/dev/null || die "needs cargo (https://rustup.rs)"
command -v curl >/dev/null || die "needs curl (it plays the browser)"

say "Building pipedrive and the mock Pipedrive (cargo build; the first build takes a few minutes)"
if [ -t 2 ]; then
    cargo build --workspace --bins   # cargo's own progress bar, for the long first build
else
    cargo build --quiet --workspace --bins
fi
bin="${CARGO_TARGET_DIR:-target}/debug"
[ -x "$bin/pipedrive" ] && [ -x "$bin/pipedrive-mock" ] || die "the build left no binaries in $bin"
bin="$(cd "$bin" && pwd)"

demo="$(mktemp -d "${TMPDIR:-/tmp}/pipedrive-demo.XXXXXX")"
mock_pid=""
login_pid=""
cleanup() {
    [ -n "$login_pid" ] && kill "$login_pid" 2>/dev/null || true
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting the mock Pipedrive (250 sample deals) on a free port"
"$bin/pipedrive-mock" --port 0 --deals 250 >"$demo/mock.url" 2>"$demo/mock.log" &
mock_pid=$!
for _ in $(seq 100); do
    [ -s "$demo/mock.url" ] && break
    kill -0 "$mock_pid" 2>/dev/null || die "the mock did not start: $(cat "$demo/mock.log")"
    sleep 0.1
done
mock_url="$(head -n 1 "$demo/mock.url")"
[ -n "$mock_url" ] || die "the mock printed no URL"
echo "mock Pipedrive at $mock_url"

# A free loopback port for the login's callback server (a real app registers
# http://localhost:8910/callback; the mock accepts any).
port=""
for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || die "no free loopback port found"

# Everything the CLI reads from the environment, pointed at the mock and the demo directory.
unset PIPEDRIVE_API_TOKEN PIPEDRIVE_API_DOMAIN PIPEDRIVE_MONGO_URI PIPEDRIVE_ACCOUNT PIPEDRIVE_OWNER \
      PIPE_DRIVE_CLIENT_ID PIPE_DRIVE_CLIENT_SECRET PIPE_DRIVE_REDIRECT_URL
export PIPEDRIVE_CONFIG_DIR="$demo/config"
export PIPEDRIVE_STORE=file
export PIPEDRIVE_CLIENT_ID=test-client
export PIPEDRIVE_CLIENT_SECRET=test-secret
export PIPEDRIVE_OAUTH_URL="$mock_url"
export PIPEDRIVE_REDIRECT_URL="http://127.0.0.1:$port/callback"
pipedrive() { "$bin/pipedrive" "$@"; }

say "pipedrive login --no-browser   (curl plays the browser and approves the consent)"
pipedrive login --no-browser --timeout 60 </dev/null 2>"$demo/login.log" &
login_pid=$!
auth_url=""
for _ in $(seq 100); do
    auth_url="$(grep -m1 '^http' "$demo/login.log" || true)"
    [ -n "$auth_url" ] && break
    kill -0 "$login_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$auth_url" ] || die "login printed no authorization URL: $(cat "$demo/login.log")"
# The mock approves at once and redirects (302) to the loopback callback; -L follows it there.
curl -fsS -L -o /dev/null "$auth_url" || die "the consent redirect failed"
wait "$login_pid" || die "login failed: $(cat "$demo/login.log")"
login_pid=""
sed 's/^/  /' "$demo/login.log"

say "pipedrive status"
pipedrive status

say "pipedrive export deals --format csv --output $demo/deals.csv"
pipedrive export deals --format csv --output "$demo/deals.csv"

say "pipedrive export persons --max 3   (JSON lines on stdout)"
pipedrive export persons --max 3 | cut -c1-150

say "A preview of deals.csv (first rows, first columns)"
# A cell may hold commas, quotes or line breaks ("Acme, Inc. #150 deal"): read it as CSV, never
# cut it at every comma.
if command -v python3 >/dev/null; then
    python3 - "$demo/deals.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = csv.reader(f)
    header = next(rows)
    print(f"{len(header)} columns (custom fields by name, nested objects flattened with '.'); the first six:")
    for row in [header] + [r for _, r in zip(range(3), rows)]:
        print(" | ".join(cell if len(cell) <= 28 else cell[:27] + "~" for cell in row[:6]))
PY
else
    echo "(python3 not found: the first lines as they are in the file)"
    head -n 4 "$demo/deals.csv"
fi

say "Done"
cat <<MSG
The CSV is at   $demo/deals.csv   (open it in a spreadsheet).
The demo's token store is $demo/config/tokens.json; the mock has stopped.
Remove everything with:  rm -rf '$demo'
Next, log in to your real company: see "For analysts" in README.md.
MSG
