-- flowpg upgrade from 0.1 to 0.2 (ALTER EXTENSION flowpg UPDATE); the Makefile appends
-- sql/install/90_comments.sql to make sql/flowpg--0.1--0.2.sql.
--
-- Every change that version 0.2 makes to the install script (sql/install/*.sql) is made here
-- to a 0.1 database, so that an upgraded database and a fresh 0.2 install have the same
-- catalog (test/t/22_upgrade.pl compares them) and keep every flow, execution, grant and
-- secret.  Install the 0.2 library, restart (the worker waits, idle, while the extension is
-- older than the library), then run ALTER EXTENSION flowpg UPDATE in the database.

\echo Use "ALTER EXTENSION flowpg UPDATE" to load this file. \quit
