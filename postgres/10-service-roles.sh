#!/bin/sh
# The services' own PostgreSQL roles (issue 11, least privilege): standhub_web,
# standhub_handler, standhub_scheduler, standhub_video get LOGIN and their password from the
# environment (POSTGRES_WEB_PASSWORD, POSTGRES_HANDLER_PASSWORD, POSTGRES_SCHEDULER_PASSWORD,
# POSTGRES_VIDEO_PASSWORD). What each may do is granted by the migration
# migrations/20261201000501_service_roles.sql; the role running `webinterface migrate`
# (POSTGRES_USER) stays the only owner of the schema.
#
# docker-compose mounts this file into /docker-entrypoint-initdb.d, so it runs once when the
# data volume is new. For an existing volume run it once by hand, then `docker-compose up -d`
# (migrate grants on its next run):
#   docker-compose exec db sh /docker-entrypoint-initdb.d/10-service-roles.sh
# Idempotent: running it again sets the passwords again. psql's usual variables (PGHOST,
# PGPORT) choose the server; test-cases/run-native-stack.sh runs it the same way.
set -eu
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
for v in POSTGRES_WEB_PASSWORD POSTGRES_HANDLER_PASSWORD POSTGRES_SCHEDULER_PASSWORD POSTGRES_VIDEO_PASSWORD; do
    eval "value=\${$v:-}"
    if [ -z "$value" ]; then
        echo "10-service-roles.sh: $v is not set (see .env.example)" >&2
        exit 1
    fi
done
psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v web="$POSTGRES_WEB_PASSWORD" -v handler="$POSTGRES_HANDLER_PASSWORD" \
    -v scheduler="$POSTGRES_SCHEDULER_PASSWORD" -v video="$POSTGRES_VIDEO_PASSWORD" <<'SQL'
CREATE TEMP TABLE service_roles (name text, password text);
INSERT INTO service_roles VALUES
    ('standhub_web', :'web'), ('standhub_handler', :'handler'),
    ('standhub_scheduler', :'scheduler'), ('standhub_video', :'video');
SELECT format('CREATE ROLE %I', name) FROM service_roles
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', name, password)
    FROM service_roles \gexec
SQL
echo "10-service-roles.sh: roles standhub_web, standhub_handler, standhub_scheduler, standhub_video ready"
