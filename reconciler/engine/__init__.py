"""The vendor-neutral engine: documents -> desired -> (live) -> diff -> operations -> plan -> apply."""
