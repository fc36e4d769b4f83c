"""reconciler: GitOps for campaign configuration."""

__version__ = "0.1.0"
