# HD-GCN (Lee et al., ICCV 2023) on its hierarchically decomposed NTU RGB+D
# graph (25 joints, 2 persons), 60 classes. Centre of mass CoM 1 for every
# stream: assumed to be that of the HDJ / HDB (joint / bone) streams of the
# MMCL release's NTU120 X-Sub ensemble, whose score files do not name it
# (the release's zero-shot script loads `hdgcn_joint_CoM_1.pt`, and the
# paper's zero-shot table lists HD-GCN joint CoM 1). HD-GCN's own
# six-stream ensemble adds CoM 2 and 21 (graph_cfg.com). The recognizer
# without auxiliary heads is the deployed (skeleton-only) model; MMCL
# configs add FAM and FRM (`mmcl_model` of ../mmcl.py).
model = dict(
    type='MMCLRecognizer',
    backbone=dict(type='HDGCN', graph_cfg=dict(layout='nturgb+d', com=1)),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))
