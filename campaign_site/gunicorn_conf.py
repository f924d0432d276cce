"""gunicorn settings that belong to the application rather than to a deployment (the command
line in the Dockerfile and docker-compose.yml says how many workers, where to bind, timeouts).
Used with `gunicorn --config python:campaign_site.gunicorn_conf`."""

from core.gunicorn import drop_server_header

logger_class = "core.gunicorn.RedactingLogger"
# The combined format without the user's name (we use no HTTP auth) and with the time taken.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

drop_server_header()
