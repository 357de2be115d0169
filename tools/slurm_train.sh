#!/usr/bin/env bash
# Training on a slurm cluster:
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [ARGS]
# GPUS (total), GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS tune the job.
#
# Preemption: slurm stops a job with SIGTERM; tools/train.py then finishes
# the iteration, saves a resumable checkpoint and exits with 75
# (GracefulStopHook). Run inside an sbatch job (SLURM_JOB_ID set, e.g.
# `sbatch --requeue --signal=TERM@120 ... tools/slurm_train.sh ...`), this
# script then requeues the job (`scontrol requeue`); the requeued job
# (SLURM_RESTART_COUNT > 0) resumes with --resume. Set REQUEUE=0 to exit
# with 75 instead. Pass --work-dir so that the requeued run finds it.
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PY_ARGS=("${@:4}")
PYTHON=${PYTHON:-python}
REQUEUE=${REQUEUE:-1}
PREEMPTED=75  # tools/train.py's exit code after a graceful stop

RESUME=()
if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
    RESUME=(--resume)  # a requeued job continues its run
fi

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$(dirname "$0")/train.py" "${CONFIG}" \
    --launcher="slurm" "${PY_ARGS[@]}" "${RESUME[@]}"
STATUS=$?

if [ "$STATUS" -eq "$PREEMPTED" ] && [ "$REQUEUE" = 1 ] \
        && [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null; then
    echo "training stopped by a signal (checkpoint saved): requeueing" \
        "job ${SLURM_JOB_ID}" >&2
    scontrol requeue "${SLURM_JOB_ID}" && exit 0
fi
exit "$STATUS"
