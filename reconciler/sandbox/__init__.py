"""What every vendor sandbox shares: persistence, request log, rate limits and the server thread."""
