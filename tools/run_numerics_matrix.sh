#!/usr/bin/env bash
# Run the numerics-sensitive tests (pytest -m numerics: parity with official
# code, gradients, converters, ensembles) under several torch CPU kernel
# sets and thread counts, as other CPUs would run them.
#
#   bash tools/run_numerics_matrix.sh                      # default avx2 native x 1 2 4
#   CAPABILITIES="default" THREADS="4" bash tools/run_numerics_matrix.sh
#
# ATEN_CPU_CAPABILITY picks torch's kernels (default, avx2, avx512, or
# "native" for what the CPU offers; a capability the CPU lacks falls back);
# MMCL_TEST_THREADS the torch thread count (tests/conftest.py). Extra
# arguments go to pytest. Prints one line per run; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
CAPABILITIES=${CAPABILITIES:-default avx2 native}
THREADS=${THREADS:-1 2 4}
status=0
for cap in $CAPABILITIES; do
    for threads in $THREADS; do
        start=$(date +%s)
        if [ "$cap" = native ]; then
            env_cap=(env -u ATEN_CPU_CAPABILITY)
        else
            env_cap=(env ATEN_CPU_CAPABILITY="$cap")
        fi
        actual=$("${env_cap[@]}" "$PYTHON" -c \
            'import torch; print(torch.backends.cpu.get_cpu_capability())')
        log=$(mktemp)
        "${env_cap[@]}" MMCL_TEST_THREADS="$threads" "$PYTHON" -m pytest \
            -m numerics -q -p no:cacheprovider "$@" >"$log" 2>&1
        rc=$?
        summary=$(grep -E '(passed|failed|error)' "$log" | tail -1)
        echo "[numerics] capability $cap ($actual), $threads threads:" \
             "$summary, $(( $(date +%s) - start )) s"
        if [ $rc -ne 0 ]; then
            grep -E '^(FAILED|ERROR)' "$log"
            status=1
        fi
        rm -f "$log"
    done
done
exit $status
