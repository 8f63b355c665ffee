"""The app's connections to PostgreSQL.

The app logs in as one role (the "authenticator", as in PostgREST): a NOINHERIT login role that
is granted the roles of the people who use the app.  Every request that touches flowpg is one
transaction that starts with SET LOCAL ROLE to the signed-in person, so flowpg sees that person
as current_user and applies its own rules (namespace permissions, HumanTask assignees, row-level
security); the role ends with the transaction, and the pool's reset puts RESET ROLE on top, so
no request can run as the one before it.  The app calls only flowpg's functions and views.
"""

import contextlib
import os

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


class NotYourRole(Exception):
    """The authenticator may not SET ROLE to this person (it was not granted their role)."""


def _configure(conn):
    conn.execute("SET application_name = 'flowpg app'")
    conn.commit()


def _reset(conn):
    # whatever a request left: no transaction (the pool rolled it back), and no role
    conn.execute("RESET ROLE")
    conn.commit()


class Database:
    """A pool of connections as the authenticator, and transactions as a person."""

    def __init__(self, dsn, size):
        self.dsn = dsn
        self.pool = ConnectionPool(dsn, min_size=min(2, size), max_size=size, timeout=10,
                                   kwargs={"row_factory": dict_row},
                                   configure=_configure, reset=_reset, open=True,
                                   name="flowpg-app")

    def close(self):
        self.pool.close()

    @contextlib.contextmanager
    def as_person(self, role):
        """A cursor in a transaction that runs as role; commits when the block ends well."""
        with self.pool.connection() as conn:
            with conn.cursor() as cur:
                try:
                    cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
                except (psycopg.errors.InsufficientPrivilege, psycopg.errors.InvalidParameterValue) as e:
                    raise NotYourRole(role) from e
                cur.execute("SET LOCAL statement_timeout = '15s'")
                yield cur

    def check_password(self, role, password):
        """Whether role signs in with password: PostgreSQL itself checks it, by a connection.

        The server must really have asked for the password (pg_hba.conf: scram-sha-256 or
        md5): a connection that trust or peer authentication let in proves nothing, and counts
        as a failure.
        """
        if not role or not password:
            return False
        conninfo = make_conninfo(self.dsn, user=role, password=password, passfile=os.devnull,
                                 connect_timeout="10", application_name="flowpg app login")
        try:
            conn = psycopg.connect(conninfo, autocommit=True)
        except psycopg.OperationalError:
            return False
        try:
            return bool(conn.pgconn.used_password)
        finally:
            conn.close()
