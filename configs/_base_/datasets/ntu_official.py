# NTU RGB+D 3-D skeletons through the official CTR-GCN data path
# (github.com/Uason-Chen/CTR-GCN, data/ntu*/seq_transformation.py,
# feeders/feeder_ntu.py; HD-GCN's and the MMCL release's feeders are the
# same):
# - frames without any actor removed, centred on joint 2 of actor 1 in its
#   first frame (no rotation alignment), two actors (the second
#   zero-padded);
# - training crops a random interval of the valid frames (p in [0.5, 1], at
#   least 64 frames), resizes it to 64 frames (linear interpolation) and
#   rotates the clip randomly (up to 0.3 rad per axis); testing resizes the
#   centre 95 %; bone / motion after the resize with the official bones;
# - batch 64 on one GPU, the incomplete last batch dropped, one test clip.
# Defaults: NTU60 X-Sub, joint stream. A config of a benchmark and stream
# (`benchmark, stream = 'ntu120_xset', 'bm'`) gives its classifier
# `datasets[benchmark].num_classes` and its loaders
# `datasets[benchmark][stream].train` / `.test`.
# Data: tools/data/ntu/convert_ntu_skeleton.py with its default options
# (OfficialNTUPreprocess drops the body-less frames it keeps).
dataset_type = 'MMCLPoseDataset'
layout = 'ctrgcn_ntu'  # the official graph's bones (and the backbone's)
clip_len = 64

# datasets[benchmark]: its class count and, for each stream
# (LayoutGenSkeFeat feats j, b, jm or bm), the annotation file, classes,
# split and pipeline of its train and test datasets
datasets = {
    f'{name}_{protocol}':
    dict(
        num_classes=num_classes,
        **{
            feats:
            dict(
                train=dict(
                    ann_file=f'data/skeleton/{name}_3d.pkl',
                    num_classes=num_classes,
                    split=f'{protocol}_train',
                    pipeline=[
                        dict(type='OfficialNTUPreprocess', num_person=2),
                        dict(
                            type='ValidCropResize',
                            clip_len=clip_len,
                            p_interval=(0.5, 1)),
                        dict(type='OfficialRandomRotate3D', theta=0.3),
                        dict(
                            type='LayoutGenSkeFeat',
                            layout=layout,
                            feats=[feats]),
                        dict(type='FormatGCNInput', num_person=2),
                        dict(
                            type='PackActionInputs', meta_keys=('frame_dir', ))
                    ]),
                test=dict(
                    ann_file=f'data/skeleton/{name}_3d.pkl',
                    num_classes=num_classes,
                    split=f'{protocol}_val',
                    pipeline=[
                        dict(type='OfficialNTUPreprocess', num_person=2),
                        dict(
                            type='ValidCropResize',
                            clip_len=clip_len,
                            p_interval=(0.95, )),
                        dict(
                            type='LayoutGenSkeFeat',
                            layout=layout,
                            feats=[feats]),
                        dict(type='FormatGCNInput', num_person=2),
                        dict(
                            type='PackActionInputs', meta_keys=('frame_dir', ))
                    ]))
            for feats in ('j', 'b', 'jm', 'bm')
        })
    for name, num_classes, protocols in (('ntu60', 60, ('xsub', 'xview')),
                                         ('ntu120', 120, ('xsub', 'xset')))
    for protocol in protocols
}

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        num_joints=25,
        **datasets['ntu60_xsub']['j']['train']))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        num_joints=25,
        test_mode=True,
        **datasets['ntu60_xsub']['j']['test']))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
