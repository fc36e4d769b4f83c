"""Enswitch (bulk dialling campaigns): model, rules, client and sandbox."""
