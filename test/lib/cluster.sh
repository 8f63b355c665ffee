# Shell functions shared by test/run, test/demo and the benchmarks: a private copy of the
# PostgreSQL installation with flowpg installed into it, and throwaway clusters on Unix sockets
# inside a work directory.  Nothing here touches the system's PostgreSQL or needs root once the
# packages are installed.  Source it; it defines functions only.

# fp_new_work: a new work directory with a copy of the tree (without git and build products)
# in WORK/tree.  Prints the work directory.
fp_new_work() {
    local src=$1 work
    work=$(mktemp -d /tmp/flowpg-test.XXXXXX)
    mkdir "$work/tree"
    tar -C "$src" --exclude=.git --exclude='*.o' --exclude='*.d' --exclude='*.so' --exclude=results \
        --exclude=./test/fuzz/build -cf - . |
        tar -C "$work/tree" -xf -
    echo "$work"
}

# fp_as_postgres SCRIPT ARGS...: when run as root, install missing packages, copy the tree to a
# work directory the postgres user owns, and run the copy of SCRIPT (a path inside the tree) there
# as postgres with FLOWPG_WORK set.  Returns the script's exit status; sets FP_WORK.
fp_as_postgres() {
    local src=${FP_TOP:?} script=$1 rc
    shift
    "$src/test/setup-debian"
    FP_WORK=$(fp_new_work "$src")
    chown -R postgres: "$FP_WORK"
    chmod 755 "$FP_WORK"
    set +e
    runuser -u postgres -- env FLOWPG_WORK="$FP_WORK" FLOWPG_KEEP="${FLOWPG_KEEP:-0}" \
        "$FP_WORK/tree/${script#"$src"/}" "$@"
    rc=$?
    set -e
    return $rc
}

# fp_install WORK: build flowpg and install it, with a copy of PostgreSQL, under WORK/pg.
# Sets PGBIN.  The copy's binaries find their share and lib directories relative to themselves.
fp_install() {
    local work=$1 top=${FP_TOP:?} pg_config
    pg_config=$(command -v pg_config)
    local bindir sharedir
    bindir=$("$pg_config" --bindir)
    sharedir=$("$pg_config" --sharedir)
    mkdir -p "$work/pg$(dirname "$bindir")" "$work/pg$(dirname "$sharedir")"
    if [ ! -x "$work/pg$bindir/postgres" ]; then
        cp -a "$(dirname "$bindir")/." "$work/pg$(dirname "$bindir")/"
        cp -a "$sharedir" "$work/pg$(dirname "$sharedir")/"
    fi
    make -C "$top" -s with_llvm=no WERROR=1 >/dev/null
    make -C "$top" -s with_llvm=no install DESTDIR="$work/pg" >/dev/null
    chmod -R a+rX "$work/pg"
    PGBIN="$work/pg$bindir"
    export PGBIN
}

# fp_use_install WORK: point PGBIN at an installation fp_install made earlier.
fp_use_install() {
    PGBIN="$1/pg$(pg_config --bindir)"
    export PGBIN
}

# fp_pgxs: the PGXS directory of the private copy (pg_regress, isolation tester, TAP modules).
fp_pgxs() {
    echo "$("$PGBIN/pg_config" --pkglibdir)/pgxs"
}

# fp_start DATADIR DBNAME [extra postgresql.conf lines...]: initdb and start a cluster listening
# only on a Unix socket in DATADIR, with flowpg preloaded and its worker on DBNAME, allowed to
# send to loopback (flowpg.allow_local_targets; a later extra line may turn it off again).
fp_start() {
    local data=$1 db=$2
    shift 2
    rm -rf "$data"
    "$PGBIN/initdb" -D "$data" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$data.initdb.log" 2>&1
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$data'
port = 5432
shared_preload_libraries = 'flowpg'
flowpg.database_name = '$db'
# every sink of the tests, demo and benchmarks is on loopback, which the worker refuses by default
flowpg.allow_local_targets = on
fsync = off
max_connections = 60
max_prepared_transactions = 10
log_line_prefix = '%m [%p] %q%a '
CONF
    local line
    for line in "$@"; do echo "$line" >>"$data/postgresql.conf"; done
    "$PGBIN/pg_ctl" -D "$data" -l "$data.log" -w -t 60 start >/dev/null
    "$PGBIN/createdb" -h "$data" -p 5432 "$db"
}

# fp_stop DATADIR: stop a cluster started by fp_start (fast shutdown), if it runs.
fp_stop() {
    [ -f "$1/postmaster.pid" ] && "$PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}
