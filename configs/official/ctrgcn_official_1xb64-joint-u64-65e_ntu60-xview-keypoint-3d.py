# Official CTR-GCN recipe, NTU RGB+D 60 X-View, 3-D joint stream: the shared
# NTU base with the cross-view split (train cameras 2, 3).
_base_ = './_base_/ctrgcn_official_ntu.py'

train_dataloader = dict(dataset=dict(split='xview_train'))
val_dataloader = dict(dataset=dict(split='xview_val'))
test_dataloader = dict(dataset=dict(split='xview_val'))
