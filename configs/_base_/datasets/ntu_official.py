# NTU RGB+D 3-D skeletons through the official CTR-GCN data path
# (github.com/Uason-Chen/CTR-GCN, data/ntu*/seq_transformation.py,
# feeders/feeder_ntu.py) and, for MMCL training, the RGB videos (FAM frame
# strips) and MLLM text features (FRM), joined by sample name:
# - frames without any actor removed, centred on joint 2 of actor 1 in its
#   first frame (no rotation alignment), two actors (the second
#   zero-padded);
# - training crops a random interval of the valid frames (p in [0.5, 1], at
#   least 64 frames), resizes it to 64 frames (linear interpolation) and
#   rotates the clip randomly (up to 0.3 rad per axis); testing resizes the
#   centre 95 %; bone / motion after the resize with the official bones;
# - batch 64 on one GPU, the incomplete last batch dropped, one test clip.
# Defaults: NTU60 X-Sub, joint stream. Configs of the other benchmarks set
# ann_file / split (and text_feature_root); those of the other streams set
# `feats` and rebuild the pipelines with it (see configs/README.md).
# Data: tools/data/ntu/convert_ntu_skeleton.py with its default options
# (OfficialNTUPreprocess drops the body-less frames it keeps).
dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/ntu60_3d.pkl'
video_root = 'data/nturgbd_rgb/'
text_feature_root = 'data/mmcl_text_features/ntu60_blip_vqa/'
num_classes = 60
layout = 'ctrgcn_ntu'  # the official graph's bones (and the backbone's)
clip_len = 64
feats = ['j']  # LayoutGenSkeFeat stream: j, b, jm or bm

skeleton_train_steps = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=clip_len, p_interval=(0.5, 1)),
    dict(type='OfficialRandomRotate3D', theta=0.3),
    dict(type='LayoutGenSkeFeat', layout=layout, feats=feats),
]
train_pipeline = skeleton_train_steps + [
    dict(type='BuildFrameStrip', num_frames=5, strip_size=(224, 1120)),
    dict(type='LoadTextFeature'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackMMCLInputs', meta_keys=('frame_dir', ))
]
test_pipeline = [
    dict(type='OfficialNTUPreprocess', num_person=2),
    dict(type='ValidCropResize', clip_len=clip_len, p_interval=(0.95, )),
    dict(type='LayoutGenSkeFeat', layout=layout, feats=feats),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = test_pipeline

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
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
    batch_size=64,
    num_workers=8,
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
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
