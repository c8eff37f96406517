"""Force-majeure certificate cases (placeholder until built)."""
