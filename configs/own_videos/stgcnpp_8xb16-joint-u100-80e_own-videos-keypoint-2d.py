# STGCN++ on one's own labelled videos, 2-D COCO-17 keypoints, joint
# stream: mmaction2's own 2-D STGCN++ config (model, pipelines, 100-frame
# clips, 5x repeated training set, cosine schedule, 8 GPUs x 16), reading
# the skeletons of tools/data/videos/prepare_dataset.py. Edit the lines
# below; docs/own_videos.md has the whole path.
_base_ = 'mmaction::skeleton/stgcnpp/stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-2d.py'  # noqa: E501

# ---------------------------------------------------------------- edit
# WORKDIR of tools/data/videos/prepare_dataset.py (skeletons.pkl, strips/,
# text_features/ inside)
prepared = 'data/own_videos/prepared/'
# the number of classes of your pickle (its `classes`)
num_classes = 2
# fine-tuning: an NTU-trained 2-D STGCN++ checkpoint (the classifier is
# re-initialised when its class count differs); None trains from scratch
load_from = None
# ----------------------------------------------------------------------

ann_file = prepared + 'skeletons.pkl'
custom_imports = dict(imports=['mmcl_plugin'], allow_failed_imports=False)
# this plugin's run safety, as configs/_base_/default_runtime.py gives the
# other configs: weights-only loading with checksums, atomic checkpoints
# that carry checksums and RNG states, the start-up class-count check,
# NaN/inf stop, SIGTERM saves a resumable checkpoint
runner_type = 'SafeRunner'
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook'),
    dataset_check=dict(type='DatasetCheckHook'),
    skipped_media=dict(type='SkippedMediaHook'),
    finite_loss=dict(type='FiniteLossHook'),
    graceful_stop=dict(type='GracefulStopHook'))
model = dict(cls_head=dict(num_classes=num_classes))
# MMCLPoseDataset: mmaction2's PoseDataset that checks every sample (labels
# in [0, num_classes), skeleton shapes, frame counts) when it is built
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            type='MMCLPoseDataset',
            ann_file=ann_file,
            split='train',
            num_classes=num_classes)))
val_dataloader = dict(
    dataset=dict(
        type='MMCLPoseDataset',
        ann_file=ann_file,
        split='val',
        num_classes=num_classes))
# testing on the val split too
test_dataloader = dict(dataset=val_dataloader['dataset'])
