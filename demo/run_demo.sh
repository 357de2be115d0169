#!/usr/bin/env bash
# MMCL demo on the small generated dataset (a few CPU minutes):
#   1. generate data/demo (skeleton pkl, videos, text features),
#   2. train MMCL (CTR-GCN + FAM + FRM) through `mim train`,
#   3. export the skeleton-only model and test it on skeletons only.
# Uses .venv/ when present (see tools/setup_env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] && export PATH="$PWD/.venv/bin:$PATH"

CONFIG=configs/demo/mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py
WORK_DIR=${WORK_DIR:-work_dirs/demo}
EPOCHS=8

python tools/data/make_demo_dataset.py --out-dir data/demo
mim train mmaction "$CONFIG" --work-dir "$WORK_DIR"
python tools/deploy/export_inference_model.py "$CONFIG" \
    "$WORK_DIR/epoch_${EPOCHS}.pth" "$WORK_DIR/skeleton_only.pth"
python tools/test.py "$WORK_DIR/skeleton_only.py" \
    "$WORK_DIR/skeleton_only.pth" --work-dir "$WORK_DIR/test" \
    --dump "$WORK_DIR/test/scores.pkl"
echo "[demo] skeleton-only model: $WORK_DIR/skeleton_only.pth"
echo "[demo] per-sample scores: $WORK_DIR/test/scores.pkl"
