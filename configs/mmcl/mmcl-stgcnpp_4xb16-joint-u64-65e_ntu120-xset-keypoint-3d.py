# MMCL + STGCN++, NTU RGB+D 120 X-Set, 3-D joint stream: the
# NTU120 X-Sub config with the cross-setup split (even / odd setup IDs).
_base_ = './mmcl-stgcnpp_4xb16-joint-u64-65e_ntu120-xsub-keypoint-3d.py'

train_dataloader = dict(dataset=dict(split='xset_train'))
val_dataloader = dict(dataset=dict(split='xset_val'))
test_dataloader = dict(dataset=dict(split='xset_val'))
