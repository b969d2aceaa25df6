"""Risk points 风险点 and graded control 分级管控: assessment, levels, colours, control levels."""
