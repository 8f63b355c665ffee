\set n random(1, 9000000000000000000)
SELECT ff_log_run('e' || :client_id || '-' || :n, 1000);
