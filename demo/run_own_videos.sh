#!/usr/bin/env bash
# Your own labelled videos -> MMCL -> a skeleton-only model that labels
# new videos, on a small set cut from the three real videos
# (docs/own_videos.md, "The whole path in one command"):
#   1. cut the set: short clips in class folders (arm_wrestling,
#      basketball, interacting) + one held-out clip per class,
#   2. prepare it: skeletons (BlazePose), strips, MLLM text features,
#   3. train MMCL (STGCN++ + FAM + FRM, configs/own_videos) briefly,
#   4. export the skeleton-only model,
#   5. label a held-out clip: top classes, drawn video, JSON.
#
#   bash demo/run_own_videos.sh
#   MLLM=path/to/local/mllm bash demo/run_own_videos.sh   # offline
#
# Environment (defaults):
#   VIDEOS=../shared/data/videos  the real videos
#   WORK_DIR=work_dirs/own_videos everything written goes here
#   MLLM=Salesforce/blip-vqa-base hub id (downloaded) or a local folder
#   CLIPS=4 CLIP_FRAMES=32        training clips per class, frames per clip
#   EPOCHS=2 BATCH=16             training schedule (a run of the path,
#                                 not a trained model)
#   HELD_OUT=interacting          the class of the held-out clip labelled
#   WORKERS=1                     processes of the skeleton / strip steps
# Exit status: 0 all done; 1 all done but some videos failed (named in
# the output, left out); 2 or another a step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] && export PATH="$PWD/.venv/bin:$PATH"

VIDEOS=${VIDEOS:-../shared/data/videos}
WORK_DIR=${WORK_DIR:-work_dirs/own_videos}
MLLM=${MLLM:-Salesforce/blip-vqa-base}
CLIPS=${CLIPS:-4}
CLIP_FRAMES=${CLIP_FRAMES:-32}
EPOCHS=${EPOCHS:-2}
BATCH=${BATCH:-16}
HELD_OUT=${HELD_OUT:-interacting}
WORKERS=${WORKERS:-1}
CONFIG=configs/own_videos/mmcl-stgcnpp_8xb16-joint-u100-80e_own-videos-keypoint-2d.py
SET=$WORK_DIR/example_set
PREPARED=$WORK_DIR/prepared
TRAIN=$WORK_DIR/train
say() { echo "[own_videos] $* (${SECONDS} s)"; }

say "1/5 cut the example set -> $SET"
python tools/data/videos/make_example_set.py "$VIDEOS" "$SET" \
    --clips-per-class "$CLIPS" --clip-frames "$CLIP_FRAMES"

say "2/5 prepare: skeletons, strips, text features ($MLLM) -> $PREPARED"
prepared_status=0
python tools/data/videos/prepare_dataset.py "$SET/videos" "$PREPARED" \
    --mllm "$MLLM" --workers "$WORKERS" --max-new-tokens 16 2>&1 \
    | tee "$WORK_DIR/prepare.log" || prepared_status=$?
if [ "$prepared_status" -gt 1 ]; then
    say "the prepare step failed (exit status $prepared_status)"
    exit "$prepared_status"
fi

num_classes=$(grep -c . "$PREPARED/classes.txt")
# the width of the text features: prepare_dataset.py prints it with the
# config edits ("text_channels = N")
text_channels=$(sed -n 's/^ *text_channels = \([0-9][0-9]*\)$/\1/p' \
    "$WORK_DIR/prepare.log" | tail -n 1)
if [ -z "$text_channels" ]; then
    say "no text_channels in $WORK_DIR/prepare.log (the text step failed?)"
    exit 2
fi
say "3/5 train MMCL: $num_classes classes, text width $text_channels, $EPOCHS epochs -> $TRAIN"
# the config's variables (prepared, num_classes, mllm, text_channels) as
# --cfg-options; FAM's ResNet-18 starts from scratch (no ImageNet download)
data=train_dataloader.dataset.dataset
python tools/train.py "$CONFIG" --work-dir "$TRAIN" --cfg-options \
    "$data.ann_file=$PREPARED/skeletons.pkl" \
    "$data.num_classes=$num_classes" \
    "$data.strip_root=$PREPARED/strips/" \
    "$data.text_feature_cache=$PREPARED/text_features/" \
    "$data.mmcl_steps.1.expected.model=$MLLM" \
    train_dataloader.dataset.times=1 \
    "train_dataloader.batch_size=$BATCH" \
    "val_dataloader.dataset.ann_file=$PREPARED/skeletons.pkl" \
    "val_dataloader.dataset.num_classes=$num_classes" \
    "test_dataloader.dataset.ann_file=$PREPARED/skeletons.pkl" \
    "test_dataloader.dataset.num_classes=$num_classes" \
    train_dataloader.num_workers=0 train_dataloader.persistent_workers=False \
    val_dataloader.num_workers=0 val_dataloader.persistent_workers=False \
    test_dataloader.num_workers=0 test_dataloader.persistent_workers=False \
    "model.cls_head.num_classes=$num_classes" \
    "model.frm_head.text_channels=$text_channels" \
    model.fam_head.image_encoder.init_cfg=None \
    "train_cfg.max_epochs=$EPOCHS" "param_scheduler.0.T_max=$EPOCHS" \
    default_hooks.logger.interval=1
checkpoint=$(cat "$TRAIN/last_checkpoint")
trained_config=$TRAIN/$(basename "$CONFIG")

say "4/5 export the skeleton-only model -> $WORK_DIR/skeleton_only.pth"
python tools/deploy/export_inference_model.py "$trained_config" \
    "$checkpoint" "$WORK_DIR/skeleton_only.pth"

say "5/5 label the held-out clip $SET/held_out/$HELD_OUT.mp4"
python tools/deploy/infer_video.py "$SET/held_out/$HELD_OUT.mp4" \
    "$WORK_DIR/skeleton_only.py" "$WORK_DIR/skeleton_only.pth" \
    --class-names "$PREPARED/classes.txt" --topk "$num_classes" \
    --out "$WORK_DIR/labelled_$HELD_OUT.mp4" \
    --json "$WORK_DIR/labelled_$HELD_OUT.json"

say "skeleton-only model: $WORK_DIR/skeleton_only.pth (+ .py)"
say "labelled video: $WORK_DIR/labelled_$HELD_OUT.mp4, result: $WORK_DIR/labelled_$HELD_OUT.json"
if [ "$prepared_status" -ne 0 ]; then
    say "some videos failed in the prepare step (listed above as FAILED) and were left out"
fi
exit "$prepared_status"
