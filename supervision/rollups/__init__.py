"""Roll-ups 辖区统计: per-enterprise and per-area figures kept up to date incrementally, and the
jurisdiction page `/bureau` that reads them."""
