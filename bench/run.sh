#!/usr/bin/env bash
# The study loop's benchmark: builds the release binary, and for SQLite and then PostgreSQL
# starts it on a fresh database, seeds signed-in users (and one with a year of history), and
# drives it with wrk (bench/page.lua for fixed GETs, bench/study.lua for grading). Prints,
# from one run, /healthz rps, the question page's rps and p99 (new users, the year user, users
# part-way through a day of grading), the year user's progress pages, graded cards per second in a closed loop with the grade
# POST's p99, and each rate's ratio to /healthz. See BENCHMARKS.md.
#
#   bench/run.sh                  both databases, 10 s per measurement, 32 users
#   BENCH_SECONDS=20 BENCH_CONNECTIONS=16 BENCH_BACKENDS=sqlite bench/run.sh
#   BENCH_RESTART_POSTGRES=1 bench/run.sh   also: page + grade while PostgreSQL restarts
#                                           (every request must still succeed)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
backends=${BENCH_BACKENDS:-sqlite postgres}
port=${BENCH_PORT:-8099}
pg_base=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin rehearse --example bench_seed
binary=target/release/rehearse
seed=target/release/examples/bench_seed
base="http://127.0.0.1:$port"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
echo "each measurement: wrk, ${seconds} s, ${connections} connections (one user each, closed loop)"

server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
}
trap cleanup EXIT

measure() { # script mode users-file threads connections → the RESULT line's fields
  BENCH_MODE=$2 BENCH_USERS=$3 BENCH_THREADS=$4 BENCH_CURRENT_OUT=${current_out:-} \
    wrk -t"$4" -c"$5" -d"${seconds}s" --timeout 5s -s "bench/$1.lua" "$base" | grep '^RESULT' \
    | sed 's/^RESULT //'
}
field() { # name fields → value
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
pages() { # users-file count → up to count lines "session csrf set/id": users with a question to study
  local found=0
  while read -r session csrf && [ "$found" -lt "$2" ]; do
    local target
    target=$(curl -s -o /dev/null -w '%{redirect_url}' \
      -b "rehearse_session=$session; rehearse_csrf=$csrf" "$base/study/next")
    case "$target" in
      "$base"/study/q/*) echo "$session $csrf ${target#"$base"/study/q/}"; found=$((found + 1)) ;;
    esac
  done <"$1"
}

for backend in $backends; do
  work=$(mktemp -d)
  if [ "$backend" = postgres ]; then
    name="rehearse_bench_$$"
    psql "$pg_base/postgres" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    url="$pg_base/$name"
  else
    url="$work/bench.db"
  fi
  "$binary" --database "$url" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  # Eight new users per connection, so the grading loops never run out of new questions.
  "$seed" "$url" "$work" $((connections * 8)) | sed 's/^/seed: /'

  pages "$work/fresh.txt" "$connections" >"$work/fresh-pages.txt"
  pages "$work/year.txt" 1 >"$work/year-pages.txt"

  # Users for the grading runs: most for the runs at full width, the rest for the 8-connection
  # run, so no run meets cards another run graded (their versions unknown to its script).
  head -n $((connections * 6)) "$work/fresh.txt" >"$work/grading.txt"
  tail -n +$((connections * 6 + 1)) "$work/fresh.txt" >"$work/grading8.txt"

  # /healthz with the same wrk set-up as the pages, so the ratio compares like with like.
  healthz=$(measure page healthz - "$connections" "$connections")
  page=$(measure page page "$work/fresh-pages.txt" "$connections" "$connections")
  year=$(measure page page "$work/year-pages.txt" "$connections" "$connections")
  # The progress pages of the year user (541 cards, about 20,000 reviews); the target is a
  # p99 under 20 ms.
  progress=$(BENCH_PATH=/progress measure page path "$work/year.txt" "$connections" "$connections")
  roadmap=$(BENCH_PATH=/progress/roadmap measure page path "$work/year.txt" "$connections" "$connections")
  readiness=$(BENCH_PATH=/progress/readiness measure page path "$work/year.txt" "$connections" "$connections")
  grade=$(measure study grade "$work/grading.txt" "$connections" "$connections")
  grade8=$(measure study grade "$work/grading8.txt" 8 8)
  current_out="$work/current.txt"
  study=$(measure study study "$work/grading.txt" "$connections" "$connections")
  current_out=""
  # The users the grading threads ended on: part-way through a long day of grading.
  pages "$work/current.txt" "$connections" >"$work/later-pages.txt"
  later=$(measure page page "$work/later-pages.txt" "$connections" "$connections")
  restarted=""
  if [ "$backend" = postgres ] && [ "${BENCH_RESTART_POSTGRES:-0}" = 1 ]; then
    (sleep $((seconds / 2)); pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main restart) &
    restarter=$!
    restarted=$(measure study study "$work/grading.txt" "$connections" "$connections")
    wait "$restarter"
  fi
  cleanup
  if [ "$backend" = postgres ]; then psql "$pg_base/postgres" -qc "DROP DATABASE IF EXISTS $name"; fi

  h=$(field rps "$healthz")
  echo
  echo "== $backend"
  printf '%-58s %10s %9s %10s %7s\n' "measurement" "rate/s" "p99 ms" "÷ healthz" "errors"
  row() { # label fields rate-field
    local rate
    rate=$(field "$3" "$2")
    printf '%-58s %10s %9s %10s %7s\n' "$1" "$rate" "$(field p99_ms "$2")" \
      "$(awk -v a="$rate" -v b="$h" 'BEGIN{printf "%.3f", a/b}')" "$(field errors "$2")"
  }
  row "/healthz (requests)" "$healthz" rps
  row "question page, new users (requests)" "$page" rps
  row "question page, user with a year of history (requests)" "$year" rps
  row "question page, users part-way through a day of grading" "$later" rps
  row "/progress, the year user (requests)" "$progress" rps
  row "/progress/roadmap, the year user (requests)" "$roadmap" rps
  row "/progress/readiness, the year user (requests)" "$readiness" rps
  row "grade POST → next question, closed loop (graded cards)" "$grade" graded_per_s
  row "the same with 8 connections (graded cards)" "$grade8" graded_per_s
  row "page + grade, closed loop (graded cards; p99 of both)" "$study" graded_per_s
  if [ -n "$restarted" ]; then
    row "page + grade while PostgreSQL restarts (graded cards)" "$restarted" graded_per_s
  fi
  echo "year user ÷ new users, page rate: $(awk -v a="$(field rps "$year")" -v b="$(field rps "$page")" 'BEGIN{printf "%.2f", a/b}')"
  rm -rf "$work"
done
