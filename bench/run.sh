#!/usr/bin/env bash
# The study loop's benchmark: builds the release binary, and for SQLite and then PostgreSQL
# starts it on a fresh database, seeds signed-in users (and one with a year of history), and
# drives it with wrk (bench/study.lua). Prints, from one run, /healthz rps, the question page's
# rps and p99 (new users, the year user, and the same users after the grading runs), graded
# cards per second in a closed loop with the grade POST's p99, and each rate's ratio to
# /healthz. See BENCHMARKS.md.
#
#   bench/run.sh                  both databases, 10 s per measurement, 32 users
#   BENCH_SECONDS=20 BENCH_CONNECTIONS=16 BENCH_BACKENDS=sqlite bench/run.sh
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

measure() { # mode users-file threads connections → the RESULT line's fields
  BENCH_MODE=$1 BENCH_USERS=$2 BENCH_THREADS=$3 \
    wrk -t"$3" -c"$4" -d"${seconds}s" --timeout 5s -s bench/study.lua "$base" | grep '^RESULT' \
    | sed 's/^RESULT //'
}
field() { # name fields → value
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
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

  healthz=$(measure healthz - 2 "$connections")
  page=$(measure page "$work/fresh.txt" "$connections" "$connections")
  year=$(measure page "$work/year.txt" "$connections" "$connections")
  grade=$(measure grade "$work/fresh.txt" "$connections" "$connections")
  study=$(measure study "$work/fresh.txt" "$connections" "$connections")
  later=$(measure page "$work/fresh.txt" "$connections" "$connections")
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
  row "question page, same users after the grading runs" "$later" rps
  row "grade POST → next question, closed loop (graded cards)" "$grade" graded_per_s
  row "page + grade, closed loop (graded cards; p99 of both)" "$study" graded_per_s
  echo "year user ÷ new users, page rate: $(awk -v a="$(field rps "$year")" -v b="$(field rps "$page")" 'BEGIN{printf "%.2f", a/b}')"
  rm -rf "$work"
done
