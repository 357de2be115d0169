# MMCL + CTR-GCN, NTU RGB+D 60 X-View, 3-D bone stream: the
# X-Sub config with the cross-view split (train: cameras 2, 3; test: camera 1).
_base_ = './mmcl-ctrgcn_4xb16-bone-u64-65e_ntu60-xsub-keypoint-3d.py'

train_dataloader = dict(dataset=dict(split='xview_train'))
val_dataloader = dict(dataset=dict(split='xview_val'))
test_dataloader = dict(dataset=dict(split='xview_val'))
