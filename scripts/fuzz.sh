#!/usr/bin/env bash
# Fuzzes every reader of untrusted files with libFuzzer for a bounded time each.
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]
#
# Targets: dicom nifti png safetensors pickle torchzip yaml (all by default). Builds the Fuzz
# harness with -sanitize=fuzzer,address into .build-fuzz, writes the seed corpus from the sample
# files, then runs each target. Exits non-zero on any crash, hang (an input taking over
# FUZZ_INPUT_TIMEOUT seconds), out-of-memory (over FUZZ_RSS_MB) or sanitizer report; the input that
# caused it is kept in .build-fuzz/work/findings/ and the last lines of the log are printed.
# The corpus grown by earlier runs is kept in .build-fuzz/work/corpus/ and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(dicom nifti png safetensors pickle torchzip yaml)
fi
work="${MEDVMAD_FUZZ_WORK:-$PWD/.build-fuzz/work}"
input_timeout="${FUZZ_INPUT_TIMEOUT:-20}"
rss_mb="${FUZZ_RSS_MB:-2560}"

build=(swift build --scratch-path .build-fuzz -c debug --product Fuzz
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DMEDVMAD_FUZZ)
start=$(date +%s)
"${build[@]}" 2>&1 | { grep -E "error:|Linking|Build complete" || true; } | tail -n 5
bin="$("${build[@]}" --show-bin-path)/Fuzz"
echo "fuzz build: $(( $(date +%s) - start )) s"

rm -rf "$work/seeds" "$work/tmp" "$work/logs"
mkdir -p "$work/seeds" "$work/tmp" "$work/logs" "$work/findings"
python3 scripts/fuzz-seeds.py "$work/seeds"

# Leaks are not findings here: the Swift runtime's metadata caches live until exit by design.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0:handle_abort=1"
export MEDVMAD_FUZZ_TMP="$work/tmp"
failed=()
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    log="$work/logs/$target.log"
    t0=$(date +%s)
    set +e
    MEDVMAD_FUZZ_TARGET="$target" "$bin" "$corpus" "$work/seeds/$target" \
        -max_total_time="$seconds" -timeout="$input_timeout" -rss_limit_mb="$rss_mb" \
        -artifact_prefix="$work/findings/$target-" -print_final_stats=1 -detect_leaks=0 >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}' || true)
    cov=$(grep -oE "cov: [0-9]+" "$log" | tail -n 1 || true)
    echo "$target: ${runs:-?} inputs in $(( $(date +%s) - t0 )) s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files, exit $rc"
    if [ "$rc" -ne 0 ]; then
        failed+=("$target")
        echo "---- $target: last lines of $log"
        tail -n 40 "$log"
        ls -1 "$work/findings/" | sed -n "/^$target-/p"
    fi
done
rm -rf "$work/tmp"
if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in $work/findings/)" >&2
    exit 1
fi
echo "fuzzing: no findings"
