"""Container images as inputs: references, registries, archives, layouts, layers."""
