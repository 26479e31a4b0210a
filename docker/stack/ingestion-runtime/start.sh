#!/bin/sh
# Import the package first (a broken package fails the container, its traceback in the log),
# then mark the container ready and serve Airflow's webserver where it is installed (the server's
# pipeline service client: test connections), else idle until stopped.
python -c 'import metadata; print("ingestion ready: metadata from", metadata.__path__[0])' || exit 1
touch /tmp/connkit-ingestion-ready
if command -v airflow >/dev/null 2>&1; then
  exec airflow webserver --hostname 0.0.0.0 --port 8080
fi
trap 'exit 0' TERM INT
sleep infinity & wait
