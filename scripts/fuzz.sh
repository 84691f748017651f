#!/bin/sh
# Run the libFuzzer harnesses (fuzz/README.md) for a bounded time each.
#
#   scripts/fuzz.sh [options] [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; TARGETs default to all of
# tls smtp reasm packet pipeline. Each harness runs from a scratch copy of its
# committed corpus (fuzz/corpus/TARGET), with its dictionary and -max_len,
# under ASan and UBSan with leak detection. Exits non-zero when any harness
# reports a crash, a sanitizer finding, a leak, a timeout or running out of
# memory, after printing the reproducer's path.
#
# Options:
#   -j N          run N harnesses at a time (default 1), each under nice
#   --merge       afterwards, minimise the committed corpus with what the run
#                 found (libFuzzer -merge=1 -use_counters=0: the fewest inputs
#                 reaching every edge); the only way the repository's corpus
#                 changes
#   --tolerate    build with -DFUZZ_TOLERATE_KNOWN (fuzz/fuzz.h: known,
#                 reported bugs a long run should get past) in
#                 build-fuzz-tolerate
#   --keep DIR    put the scratch corpora, logs and artifacts in DIR (kept)
#   --fork        go on after a finding (libFuzzer -fork=1 -ignore_crashes=1,
#                 for long runs): every reproducer is kept and reported
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), CC (default clang).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

jobs=1
merge=0
tolerate=0
keep=
fork=0
secs=60
targets=
while [ $# -gt 0 ]; do
    case $1 in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    --merge) merge=1; shift ;;
    --tolerate) tolerate=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    --fork) fork=1; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    [0-9]*) secs=$1; shift ;;
    tls | smtp | reasm | packet | pipeline | record) targets="$targets $1"; shift ;;
    *) echo "fuzz.sh: unknown argument: $1" >&2; exit 1 ;;
    esac
done
[ -n "$targets" ] || targets="tls smtp reasm packet pipeline record"

max_len() {
    case $1 in
    tls) echo 32768 ;;
    smtp) echo 16384 ;;
    reasm) echo 16384 ;;
    packet) echo 4096 ;;
    pipeline) echo 65536 ;;
    record) echo 16384 ;;
    esac
}

# ---- build ----
cflags=-fsanitize=fuzzer-no-link
build=${FUZZ_BUILD_DIR:-build-fuzz}
if [ "$tolerate" = 1 ]; then
    build=${FUZZ_BUILD_DIR:-build-fuzz-tolerate}
    cflags="$cflags -DFUZZ_TOLERATE_KNOWN"
fi
if [ ! -f "$build/build.ninja" ]; then
    # -Dtests=false: the fuzzers need neither cmocka nor the test suites.
    # -Dwerror=false: a clang-only warning elsewhere must not stop fuzzing;
    # the gcc and sanitizer builds enforce warnings.
    CC=${CC:-clang} meson setup "$build" -Dfuzzing_engine=libfuzzer \
        -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
        -Dtests=false -Dwerror=false "-Dc_args=$cflags" >/dev/null
fi
exes=
for t in $targets; do exes="$exes fuzz/fuzz_$t"; done
# shellcheck disable=SC2086
ninja -C "$build" $exes >/dev/null

# ---- run ----
if [ -n "$keep" ]; then
    work=$keep
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/smtptls-fuzz.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_one() {
    t=$1
    d=$work/$t
    rm -rf "$d"
    mkdir -p "$d/corpus" "$d/artifacts"
    if [ -d "fuzz/corpus/$t" ]; then
        find "fuzz/corpus/$t" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$d/corpus/" \;
    fi
    extra=
    [ -f "fuzz/dict/$t.dict" ] && extra="-dict=$root/fuzz/dict/$t.dict"
    [ "$fork" = 1 ] && extra="$extra -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    # shellcheck disable=SC2086
    if nice "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -print_pcs=0 \
        -artifact_prefix="$d/artifacts/" $extra "$d/corpus" >"$d/log" 2>&1; then
        echo 0 >"$d/status"
    else
        echo $? >"$d/status"
    fi
}

report() {
    t=$1
    d=$work/$t
    status=$(cat "$d/status")
    done_line=$(grep -E '^#[0-9]+(:|[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED))' "$d/log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$d/log" | tail -1)
    files=$(find "$d/corpus" -type f | wc -l)
    printf '%-9s status %s  execs %s  exec/s %s  rss %sMB  corpus %s files\n' "$t" "$status" \
        "${execs:-?}" "${rate:-?}" "${rss:-?}" "$files"
    printf '          %s\n' "$done_line"
    found=$(find "$d/artifacts" -type f 2>/dev/null | head -20)
    if [ "$status" != 0 ] || [ -n "$found" ]; then
        echo "fuzz.sh: $t FAILED (exit $status); log: $d/log" >&2
        grep -E 'ERROR: |SUMMARY: |fuzz property violated|runtime error' "$d/log" | head -5 >&2 || true
        for f in $found; do
            echo "fuzz.sh: reproducer: $f" >&2
            echo "fuzz.sh:   replay: $build/fuzz/fuzz_$t $f" >&2
        done
        return 1
    fi
    return 0
}

pids=
running=0
for t in $targets; do
    run_one "$t" &
    pids="$pids $!"
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

failed=0
for t in $targets; do
    report "$t" || failed=1
done

# ---- minimise the committed corpus ----
if [ "$merge" = 1 ]; then
    for t in $targets; do
        d=$work/$t
        out=$d/merged
        rm -rf "$out"
        mkdir -p "$out" "fuzz/corpus/$t"
        # -use_counters=0: keep the smallest set that reaches every edge
        # (not every hit count), so the committed corpus stays small.
        "$build/fuzz/fuzz_$t" -merge=1 -use_counters=0 -max_len="$(max_len "$t")" -timeout=10 \
            -rss_limit_mb=2048 "$out" "fuzz/corpus/$t" "$d/corpus" >"$d/merge.log" 2>&1 || {
            echo "fuzz.sh: merge of $t failed; log: $d/merge.log" >&2
            failed=1
            continue
        }
        find "fuzz/corpus/$t" -maxdepth 1 -type f ! -name '.*' -delete
        cp "$out"/* "fuzz/corpus/$t/" 2>/dev/null || true
        echo "$t: corpus minimised to $(find "fuzz/corpus/$t" -type f | wc -l) files," \
            "$(du -sk "fuzz/corpus/$t" | cut -f1) KB"
    done
fi

if [ "$failed" != 0 ]; then
    [ -n "$keep" ] || { trap - EXIT; echo "fuzz.sh: artifacts kept in $work" >&2; }
    exit 1
fi
echo "fuzz.sh: no findings (${secs}s per target:$targets)"
