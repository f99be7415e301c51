#!/usr/bin/env bash
# Unhappy paths, measured: the figures issue 16 asks for.
#
#   bash bench/hostile.sh
#
# 1. `dossier check` on 3,000 notes with 6,000 unresolved links (placeholder
#    links to notes not written yet), median of 5 runs.
# 2. `dossier build` of the embed fan-out case (11 notes, each embedding the
#    next one 10 times): wall time and peak memory.
# 3. `GET /` on `dossier serve` while 4 clients hold a 30 MB attachment
#    request open without reading: median and slowest of 20 requests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin dossier
BIN=$PWD/target/release/dossier
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=

# 1. Broken-link suggestions.
python3 - "$WORK/broken" <<'EOF'
import os, sys
root = sys.argv[1]
os.makedirs(f"{root}/content/topics")
for i in range(3000):
    with open(f"{root}/content/topics/Note {i}.md", "w") as f:
        f.write(f"---\ntitle: Topic number {i}\n---\nSee [[Note {(i + 1) % 3000}]], "
                f"[[Placeholder about item {i}]] and [[Topic numbr {i * 7}]].\n")
open(f"{root}/site.toml", "w").write('broken_links = "warn"\n')
EOF
times=()
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$BIN" check --root "$WORK/broken" >/dev/null 2>"$WORK/check.err"
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
done
warnings=$(grep -c "unknown link" "$WORK/check.err" || true)
suggested=$(grep -c "did you mean" "$WORK/check.err" || true)
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
printf 'broken links: 3000 notes, %s unknown links (%s with a suggestion): check median %.3f s of 5\n' \
  "$warnings" "$suggested" "$median"

# 2. Embed fan-out.
mkdir -p "$WORK/fan/content"
for i in $(seq 0 9); do
  line="Note $i."
  for _ in $(seq 10); do line="$line ![[N$((i + 1))]]"; done
  echo "$line" > "$WORK/fan/content/N$i.md"
done
echo "Leaf." > "$WORK/fan/content/N10.md"
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$WORK/fan.time" "$BIN" build --root "$WORK/fan" >/dev/null 2>&1
end=$(date +%s.%N)
peak=$(cat "$WORK/fan.time")
printf 'embed fan-out: build %.3f s, peak %d MiB, largest page %d KB\n' \
  "$(echo "$end - $start" | bc)" "$((peak / 1024))" "$(( $(find "$WORK/fan/public" -name index.html -printf '%s\n' | sort -n | tail -1) / 1024 ))"

# 3. Stalled readers.
mkdir -p "$WORK/serve/content"
echo "Alpha." > "$WORK/serve/content/A.md"
head -c $((30 * 1024 * 1024)) /dev/urandom > "$WORK/serve/content/movie.mp4"
"$BIN" serve --root "$WORK/serve" --port 0 > "$WORK/serve.out" 2>/dev/null &
SERVER=$!
for _ in $(seq 100); do grep -q http:// "$WORK/serve.out" 2>/dev/null && break; sleep 0.05; done
URL=$(grep -o 'http://[^ ]*' "$WORK/serve.out" | head -1)
python3 - "$URL" <<'EOF'
import socket, statistics, sys, time, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
stalled = []
for _ in range(4):
    s = socket.create_connection((url.hostname, url.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /movie.mp4 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    stalled.append(s)
time.sleep(1)
took = []
for _ in range(20):
    start = time.perf_counter()
    c = socket.create_connection((url.hostname, url.port))
    c.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    c.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:40]
    took.append((time.perf_counter() - start) * 1000)
print(f"stalled readers: 4 holding a 30 MB attachment; GET / median {statistics.median(took):.1f} ms, slowest {max(took):.1f} ms of 20")
EOF
