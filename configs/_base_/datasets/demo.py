# The small generated demo dataset (tools/data/make_demo_dataset.py): NTU
# RGB+D-layout 3-D skeletons of 4 actions with videos and text features
# (width 32). Short clips (32 frames), small strips, one test clip, no
# worker processes: a CPU-sized version of ntu.py.
dataset_type = 'MMCLPoseDataset'
data_root = 'data/demo/'
ann_file = data_root + 'demo_ntu25.pkl'
video_root = data_root + 'videos/'
text_feature_root = data_root + 'text_features/'
num_classes = 4
feats = ['j']

skeleton_train_steps = [
    dict(type='PreNormalize3DWithFrameMap'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(64, 320)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(type='UniformSampleFrames', clip_len=32, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='train',
        num_classes=num_classes,
        num_joints=25,
        video_root=video_root,
        video_suffix='.mp4',
        text_feature_root=text_feature_root,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='val',
        num_classes=num_classes,
        num_joints=25,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
