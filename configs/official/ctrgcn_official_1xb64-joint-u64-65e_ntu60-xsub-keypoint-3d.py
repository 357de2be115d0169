# Official CTR-GCN recipe, NTU RGB+D 60 X-Sub, 3-D joint stream (the shared
# NTU base as it is; see it for the recipe).
_base_ = './_base_/ctrgcn_official_ntu.py'
