# CTR-GCN as mmaction2 builds it (the demo's model; the CTR-GCN recipe is
# ctrgcn_official.py) on the NTU RGB+D graph (25 joints, 2 persons), 60
# classes. The recognizer without auxiliary heads is the deployed
# (skeleton-only) model; MMCL configs add FAM and FRM (`mmcl_model` of
# ../mmcl.py).
model = dict(
    type='MMCLRecognizer',
    backbone=dict(
        type='CTRGCN', graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))
