"""The enterprise's org tree 组织机构, its managers and people, and responsibility documents."""
