# NW-UCLA cross-view (train views 1+2, test view 3) 3-D skeletons
# (tools/data/nwucla/convert_nwucla.py) through the official CTR-GCN data
# path (github.com/Uason-Chen/CTR-GCN, feeders/feeder_ucla.py) and, for
# MMCL training, the RGB videos and MLLM text features, joined by sample
# name (e.g. a01_s01_e00_v01): data/nwucla_rgb/<name>.avi (no 2-D
# keypoints, so strips tile whole frames) and
# data/mmcl_text_features/nwucla_blip_vqa/<name>.npy:
# - centred on frame 0's joint 2, a random view rotation (whole degrees in
#   [-60, 60] about x and y) and scale U(0.5, 1.5) in training, min-max
#   normalised to [-1, 1] per axis;
# - 52 frames (training: sorted random draws with replacement; testing:
#   linspace), bone / motion after the sampling with the official bones;
# - one person, the training set repeated 5 times per epoch, batch 16, the
#   incomplete last batch dropped, one test clip.
# Defaults to the joint stream; configs of the other streams set `feats` and
# rebuild the pipelines with it.
dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/nwucla.pkl'
video_root = 'data/nwucla_rgb/'
text_feature_root = 'data/mmcl_text_features/nwucla_blip_vqa/'
num_classes = 10
layout = 'ctrgcn_nwucla'  # the official graph's bones (and the backbone's)
clip_len = 52
feats = ['j']  # LayoutGenSkeFeat stream: j, b, jm or bm

skeleton_train_steps = [
    dict(type='OfficialNWUCLANormalize'),
    dict(type='OfficialNWUCLASampleFrames', clip_len=clip_len),
    dict(type='LayoutGenSkeFeat', layout=layout, feats=feats),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='OfficialNWUCLANormalize', test_mode=True),
    dict(
        type='OfficialNWUCLASampleFrames', clip_len=clip_len, test_mode=True),
    dict(type='LayoutGenSkeFeat', layout=layout, feats=feats),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = test_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=5,
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            split='train',
            num_classes=num_classes,
            num_joints=20,
            video_root=video_root,
            video_suffix='.avi',
            text_feature_root=text_feature_root,
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='val',
        num_classes=num_classes,
        num_joints=20,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
