"""UIS / CoMagic Data API v2.0: call-tracking advertising campaigns."""
