# Private PostgreSQL clusters for the run and test scripts (sourced, not executed).
# initdb and pg_ctl refuse root, so the cluster belongs to the `postgres` user.

pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$d" ] || { echo "PostgreSQL server binaries not found; run scripts/install.sh" >&2; return 1; }
    echo "$d"
}

# as_pg CMD...: run as the postgres user when we are root, as ourselves otherwise.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_up DATADIR PORT [durable|throwaway]: create the cluster if missing, start it if stopped.
pg_up() {
    local dir=$1 port=$2 mode=${3:-durable} bin
    bin=$(pg_bindir) || return 1
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_pg "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
            || { cat "$dir.initdb.log" >&2; return 1; }
    fi
    if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        return 0
    fi
    local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${PG_EXTRA_OPTS:-}"
    if [ "$mode" = throwaway ]; then
        opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_pg "$bin/pg_ctl" -D "$dir" -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { tail -20 "$dir/server.log" >&2; return 1; }
}

# pg_down DATADIR: fast shutdown if running.
pg_down() {
    local dir=$1 bin
    bin=$(pg_bindir) || return 0
    [ -f "$dir/PG_VERSION" ] || return 0
    as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_createdb PORT NAME: create a database if it does not exist.
pg_createdb() {
    local port=$1 name=$2
    psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
        || psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
}
