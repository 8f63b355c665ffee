-- One execution of the one-webhook flow per transaction (test/bench/run worker).
SELECT flow_start('bench', 'hook_fast');
