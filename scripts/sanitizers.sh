#!/usr/bin/env bash
# Runs the scheduler tests under ThreadSanitizer and the imaging I/O, checkpoint and raster tests
# under AddressSanitizer, each in its own build folder (a sanitizer build is a full rebuild, kept
# apart so the normal .build stays valid).
#
#   scripts/sanitizers.sh [thread|address ...]     (both by default)
#
# Exits non-zero on a failing test or any sanitizer report (halt_on_error makes a report fatal).
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=("$@")
if [ ${#kinds[@]} -eq 0 ]; then
    kinds=(thread address)
fi
# Leak reports are left out: the Swift runtime and XCTest keep allocations alive until exit.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=0:detect_stack_use_after_return=0"

for kind in "${kinds[@]}"; do
    case "$kind" in
        # The scheduler: job table, runner, locking, kill/resume, inbox watcher, cron and schedule units
        # (the model-heavy end-to-end suites would take hours under ThreadSanitizer's slowdown).
        thread) filter='PipelineTests\.(PipelineRunnerTests|PipelineKillTests|InboxWatcherTests|CronExpressionTests|ScheduleUnitsTests|StatusCommandTests|PipelineLoaderTests|SeriesSelectorTests)' ;;
        address) filter='MedIOTests|CheckpointTests|RasterTests|FuzzRegressionTests' ;;
        *) echo "unknown sanitizer '$kind' (thread or address)" >&2; exit 2 ;;
    esac
    scratch=".build-${kind:0:1}san"
    t0=$(date +%s)
    swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" 2>&1 | { grep -E "error:|Compiling|Build complete" || true; } | tail -n 3
    t1=$(date +%s)
    swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" --filter "$filter"
    t2=$(date +%s)
    echo "sanitizer $kind: build $(( t1 - t0 )) s, tests ($filter) $(( t2 - t1 )) s"
done
