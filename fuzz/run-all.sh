#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 45) each, JOBS (default 2) at a time, and
# prints one line per target: the executions done, or where the crash was written.
# Needs a nightly toolchain and cargo-fuzz.
#
#   bash fuzz/run-all.sh            FUZZ_SECONDS=300 bash fuzz/run-all.sh
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${FUZZ_SECONDS:-45}
JOBS=${JOBS:-2}
LOGS=$(mktemp -d)
cargo +nightly fuzz build
ls fuzz_targets | sed 's/\.rs$//' | xargs -P "$JOBS" -I{} sh -c \
  "cargo +nightly fuzz run {} -- -max_total_time=$SECONDS_EACH -rss_limit_mb=3072 -timeout=20 > $LOGS/{}.log 2>&1 || true"
status=0
for log in "$LOGS"/*.log; do
  t=$(basename "$log" .log)
  if crash=$(grep -o 'Test unit written to [^ ]*' "$log"); then
    echo "$t: CRASH, ${crash#Test unit written to }"; status=1
  else
    echo "$t: $(grep -h '^Done' "$log" | tail -1)"
  fi
done
rm -rf "$LOGS"
exit $status
