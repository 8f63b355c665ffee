-- The same resume through the execution's signed approval link, from a stock of its own.
SELECT flow_resume_link(token, '{"ok": true}') FROM bench_stock WHERE kind = 'link' AND n = (SELECT nextval('bench_link_seq'));
