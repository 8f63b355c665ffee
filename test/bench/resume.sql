-- One resume of a paused Log -> Pause -> Log (lpl_link), by execution id, from a stock of them.
SELECT flow_resume(id, '{"ok": true}') FROM bench_stock WHERE kind = 'resume' AND n = (SELECT nextval('bench_resume_seq'));
