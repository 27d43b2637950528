#!/usr/bin/env bash
# Where the CPU goes per registration at concurrency 8. Throughput on this machine drifts by ±10%
# within minutes; CPU per recorded attempt, read from /proc, does not. Each round starts a fresh
# server and database, runs registrations (one fresh applicant per request) for SECONDS + 12 s,
# and reads every thread's CPU time and the attempts recorded between 10 s in (wrk has built its
# requests by then) and 10 + SECONDS s. It prints milliseconds of CPU per attempt by thread name
# (face workers, the server's other threads, Postgres, kernel workers...) and the face workers'
# share of the whole machine: in the engine benchmark they have nearly all of it.
#
#   bench/validation-cpu.sh [seconds=25] [rounds=1]
#   BIN=/path/to/other/baf-server bench/validation-cpu.sh            # another build
#   ADMIN_URL="$(scripts/local-postgres-url.sh --tcp)/postgres" bench/validation-cpu.sh   # over TCP
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_EACH="${1:-25}"
ROUNDS="${2:-1}"
PORT=18092
DATABASE=baf_bench_cpu
# shellcheck source=validation-common.sh
source bench/validation-common.sh

snapshot() { # file: CPU ticks of every thread on the machine, by pid/tid/name
    python3 - "$1" <<'PY'
import json, os, sys
ticks = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            stat = open(f"/proc/{pid}/task/{task}/stat").read()
            name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()
            ticks[f"{pid}/{task}/{name}"] = int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError):
        pass
ticks["machine"] = sum(int(v) for v in open("/proc/stat").readline().split()[1:8])  # all but steal
json.dump(ticks, open(sys.argv[1], "w"))
PY
}
attempts() { psql "${DB_URL}" -qAtc "select count(*) from attempt"; }

for round in $(seq 1 "${ROUNDS}"); do
    start_server 8
    new_applicants "$(((SECONDS_EACH + 12) * 60))"
    write_lua register
    wrk -t1 -c8 -d"$((SECONDS_EACH + 12))s" --timeout 10s -s "${WORK}/bench.lua" "http://127.0.0.1:${PORT}" >/dev/null &
    LOAD=$!
    sleep 10
    FIRST="$(attempts)"; snapshot "${WORK}/before"
    sleep "${SECONDS_EACH}"
    LAST="$(attempts)"; snapshot "${WORK}/after"
    wait "${LOAD}"
    stop_server
    python3 - "${round}" "$((LAST - FIRST))" "${SECONDS_EACH}" "${WORK}/before" "${WORK}/after" <<'PY'
import collections, json, os, re, sys
round_, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
before, after = json.load(open(sys.argv[4])), json.load(open(sys.argv[5]))
ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")
by_name = collections.Counter()
for key, ticks in after.items():
    if key != "machine" and ticks > before.get(key, 0):
        by_name[re.sub(r"[0-9]+", "N", key.split("/", 2)[2])] += ticks - before.get(key, 0)
machine = after["machine"] - before["machine"]
print(f"round {round_}: {count} attempts in {seconds} s ({count / seconds:.1f}/s); CPU ms per attempt: "
      + ", ".join(f"{name} {ticks * ms_per_tick / count:.2f}" for name, ticks in by_name.most_common(6))
      + f"; face workers {100 * by_name['face-worker-N'] / machine:.1f}% of the machine's CPU time")
PY
done
drop_database
