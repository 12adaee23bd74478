"""Models; each module registers its classes when imported."""
