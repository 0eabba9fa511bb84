"""HTTP resources: one flask-smorest Blueprint per resource, its schemas beside it."""
