# CTRS-GCN (the MMCL release's zero_shot/model/ctrsgcn.py) for NTU RGB+D
# (25 joints, 2 persons), 60 classes: CTR-GCN's unit layout with learnt,
# L2-normalised adjacencies that start as identities (no skeleton graph).
# The recognizer without auxiliary heads is the deployed (skeleton-only)
# model; MMCL configs add FAM and FRM
# (`mmcl_model` of ../mmcl.py).
model = dict(
    type='MMCLRecognizer',
    backbone=dict(type='CTRSGCN', num_joints=25, num_subsets=3),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))
