# Official CTR-GCN recipe, NW-UCLA (cross-view), 3-D joint stream (the shared
# NW-UCLA base as it is; see it for the recipe).
_base_ = './_base_/ctrgcn_official_nwucla.py'
