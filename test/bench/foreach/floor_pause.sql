\set n random(1, 9000000000000000000)
SELECT ff_pause_start('e' || :client_id || '-' || :n, 100);
SELECT ff_resume_bulk(array(SELECT id FROM ff_taskrun WHERE execution_id = 'e' || :client_id || '-' || :n AND state = 'PAUSED'));
