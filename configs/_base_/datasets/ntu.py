# NTU RGB+D 3-D skeletons (mmaction2's ntu60_3d.pkl / ntu120_3d.pkl) and,
# for MMCL training, the RGB videos (FAM frame strips) and MLLM text
# features (FRM), joined by sample name. Defaults: NTU60 X-Sub, joint
# stream, 64-frame clips, 10-clip testing. Configs of the other benchmarks
# set ann_file / split (and text_feature_root); those of the other streams
# set `feats` and rebuild the pipelines with it (see configs/README.md).
dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/ntu60_3d.pkl'
video_root = 'data/nturgbd_rgb/'
text_feature_root = 'data/mmcl_text_features/ntu60_blip_vqa/'
num_classes = 60
feats = ['j']  # GenSkeFeat stream: j, b, jm or bm

# PreNormalize3D drops body-less frames; this variant also records the
# video frames it kept, so that BuildFrameStrip shows the sampled clip.
skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(type='UniformSampleFrames', clip_len=64),
    dict(type='PoseDecode'),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(type='UniformSampleFrames', clip_len=64, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(
        type='UniformSampleFrames', clip_len=64, num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_train',
        num_classes=num_classes,
        num_joints=25,
        video_root=video_root,
        video_suffix='_rgb.avi',
        text_feature_root=text_feature_root,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_val',
        num_classes=num_classes,
        num_joints=25,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_val',
        num_classes=num_classes,
        num_joints=25,
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
