-- One execution of Log -> Pause -> Log: started in one transaction, resumed in another.
SELECT flow_start('bench', 'lpl') AS id \gset
SELECT flow_resume(:id, '{"ok": true}');
