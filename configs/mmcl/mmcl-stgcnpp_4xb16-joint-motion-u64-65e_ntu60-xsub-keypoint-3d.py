# MMCL + STGCN++, NTU RGB+D 60 X-Sub, 3-D joint-motion stream: the
# CTR-GCN config of the same stream with the backbone swapped (same heads,
# pipelines and schedule).
_base_ = './mmcl-ctrgcn_4xb16-joint-motion-u64-65e_ntu60-xsub-keypoint-3d.py'

# STGCN++ (mmaction2's STGCN with the STGCN++ options) replaces CTR-GCN.
model = dict(
    backbone=dict(
        _delete_=True,
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        graph_cfg=dict(layout='nturgb+d', mode='spatial')))
