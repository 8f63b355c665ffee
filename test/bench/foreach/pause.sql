SELECT flow_start('bench', 'foreach_pause') AS id \gset
SELECT flow_resume_bulk(array(SELECT id FROM flowpg.task_runs WHERE execution_id = :id AND state = 'PAUSED'), '{"ok": true}');
