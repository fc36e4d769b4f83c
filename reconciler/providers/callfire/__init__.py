"""CallFire (API 1.1 CccService call-centre campaigns): model, rules, client and sandbox."""
