# NW-UCLA cross-view (train views 1+2, test view 3) 3-D skeletons
# (tools/data/nwucla/convert_nwucla.py) and, for MMCL training, the RGB
# videos and MLLM text features, joined by sample name (e.g.
# a01_s01_e00_v01): data/nwucla_rgb/<name>.avi (the dataset's multi-view RGB
# videos; no 2-D image keypoints, so strips tile whole frames) and
# data/mmcl_text_features/nwucla_blip_vqa/<name>.npy
# (tools/extract_text_features.py). CTR-GCN's NW-UCLA data recipe: one
# person, 52-frame clips, random 3-D rotation, the training set repeated 5
# times per epoch, batch 16. Defaults to the joint stream; configs of the
# other streams set `feats` and rebuild the pipelines with it.
dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/nwucla.pkl'
video_root = 'data/nwucla_rgb/'
text_feature_root = 'data/mmcl_text_features/nwucla_blip_vqa/'
num_classes = 10
feats = ['j']  # LayoutGenSkeFeat stream: j, b, jm or bm
# The 20 Kinect v1 joints as a graph layout (also the backbone's graph).
nwucla_layout = dict(
    num_node=20,
    inward=[(0, 1), (2, 1), (3, 2), (4, 2), (5, 4), (6, 5), (7, 6), (8, 2),
            (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13), (15, 14),
            (16, 0), (17, 16), (18, 17), (19, 18)],
    center=1)

skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='RandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=52),
    dict(type='PoseDecode'),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=52, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='LayoutGenSkeFeat', layout=nwucla_layout, feats=feats),
    dict(
        type='UniformSampleFrames', clip_len=52, num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
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
    batch_size=16,
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
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='val',
        num_classes=num_classes,
        num_joints=20,
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
