# STGCN++ (mmaction2's STGCN with the STGCN++ options) on the NTU RGB+D
# graph, 60 classes; otherwise as ctrgcn.py.
model = dict(
    type='MMCLRecognizer',
    backbone=dict(
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256),
    data_preprocessor=dict(type='MMCLDataPreprocessor'))
