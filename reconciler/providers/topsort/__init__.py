"""Topsort (retail-media campaign service): model, rules, client and sandbox."""
