# NW-UCLA cross-view (train views 1+2, test view 3) 3-D skeletons
# (tools/data/nwucla/convert_nwucla.py) through the official CTR-GCN data
# path (github.com/Uason-Chen/CTR-GCN, feeders/feeder_ucla.py):
# - centred on frame 0's joint 2, a random view rotation (whole degrees in
#   [-60, 60] about x and y) and scale U(0.5, 1.5) in training, min-max
#   normalised to [-1, 1] per axis;
# - 52 frames (training: sorted random draws with replacement; testing:
#   linspace), bone / motion after the sampling with the official bones;
# - one person, the training set repeated 5 times per epoch, batch 16, the
#   incomplete last batch dropped, one test clip.
# Defaults to the joint stream; a config of a stream (`stream = 'b'`)
# gives its loaders `datasets[stream].train` / `.test`.
dataset_type = 'MMCLPoseDataset'
ann_file = 'data/skeleton/nwucla.pkl'
num_classes = 10
layout = 'ctrgcn_nwucla'  # the official graph's bones (and the backbone's)
clip_len = 52

# datasets[stream]: the train and test pipelines of each stream
# (LayoutGenSkeFeat feats: j, b, jm or bm)
datasets = {
    feats:
    dict(
        train=dict(pipeline=[
            dict(type='OfficialNWUCLANormalize'),
            dict(type='OfficialNWUCLASampleFrames', clip_len=clip_len),
            dict(type='LayoutGenSkeFeat', layout=layout, feats=[feats]),
            dict(type='FormatGCNInput', num_person=1),
            dict(type='PackActionInputs', meta_keys=('frame_dir', ))
        ]),
        test=dict(pipeline=[
            dict(type='OfficialNWUCLANormalize', test_mode=True),
            dict(
                type='OfficialNWUCLASampleFrames',
                clip_len=clip_len,
                test_mode=True),
            dict(type='LayoutGenSkeFeat', layout=layout, feats=[feats]),
            dict(type='FormatGCNInput', num_person=1),
            dict(type='PackActionInputs', meta_keys=('frame_dir', ))
        ]))
    for feats in ('j', 'b', 'jm', 'bm')
}

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
            **datasets['j']['train'])))
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
        **datasets['j']['test'],
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
