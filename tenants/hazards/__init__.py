"""Hidden dangers 隐患 and their closed loop: report, confirm, rectify, accept, close."""
