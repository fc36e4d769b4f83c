from reconciler.entry import run

run()
