"""The command-centre wall screen 指挥中心大屏: the live picture of a jurisdiction from its
roll-up figures, with the dangerous operations going on now."""
