"""What the GitHub workflows run besides reconciler's commands: the credentials of a job, the one pull-request
comment for every account's plan, the apply report, the drift issues. Each module runs as
``python -m reconciler.workflow.NAME``; see ``.github/workflows/reconciler.yml``."""
