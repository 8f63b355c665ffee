-- Expressions (SPEC section 3), part 6: robustness.  Templates come from anyone who can deploy a
-- flow, so no template may crash or hang the server: nesting is bounded when compiling, the
-- output is bounded (16 MB), loops and ranges are bounded, every render has a budget of work, and
-- numbers do not wrap around.  Each of these is a clean error, never a crash.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- nesting is bounded at compile time (200 levels of expression, 100 of tags): syntax errors
SELECT pg_temp.r('{{ ' || repeat('(', 150) || '1' || repeat(')', 150) || ' }}') AS parens_150;
SELECT pg_temp.r('{{ ' || repeat('(', 5000) || '1' || repeat(')', 5000) || ' }}') AS parens_5000;
SELECT pg_temp.r('{{ ' || repeat('[', 5000) || repeat(']', 5000) || ' }}') AS lists_5000;
SELECT pg_temp.r('{{ ' || repeat('- ', 5000) || '1 }}') AS unary_5000;
SELECT pg_temp.r('{{ ' || repeat('not ', 5000) || 'true }}') AS not_5000;
SELECT pg_temp.r('{{ 0' || repeat(' + 1', 150) || ' }}') AS chain_150;
SELECT pg_temp.r('{{ 0' || repeat(' + 1', 5000) || ' }}') AS chain_5000;
SELECT pg_temp.r('{{ ''x''' || repeat(' | upper', 5000) || ' }}') AS filters_5000;
SELECT pg_temp.r('{{ a' || repeat('.b', 5000) || ' }}') AS attributes_5000;
SELECT pg_temp.r(repeat('{% if true %}', 90) || 'deep' || repeat('{% endif %}', 90)) AS tags_90;
SELECT pg_temp.r(repeat('{% if true %}', 5000) || 'deep' || repeat('{% endif %}', 5000)) AS tags_5000;
SELECT pg_temp.r('{{ "' || repeat('#{"', 5000) || '" }}') AS interpolation_5000;
SELECT pg_temp.r('{{ fromJson(''' || repeat('[', 5000) || repeat(']', 5000) || ''') }}') AS json_5000;
-- a context nested deeply is fine to walk
SELECT pg_temp.r('{{ x' || repeat('.a', 100) || ' }}',
                 ('{"x": ' || repeat('{"a": ', 100) || '"bottom"' || repeat('}', 100) || '}')::jsonb) AS deep_context;

-- long but flat templates compile in time proportional to their size
SELECT length(flow_render(repeat('{{ x }} ', 100000), '{"x": "y"}')) AS many_expressions;
SELECT flow_render('{{ {' || string_agg('k' || i || ': ' || i, ', ') || '} | length }}') AS map_of_100000_keys
FROM generate_series(1, 100000) i;
SELECT flow_render('{{ ' || string_agg(i::text, ' ~ ') || ' | length }}') AS concat_of_150
FROM generate_series(1, 150) i;
-- and large data is handled in time proportional to its size: a context map of 100000 keys,
-- JSON text of 200000 keys
SELECT flow_render('{{ big.k99999 }} {{ big | length }}', jsonb_build_object('big', jsonb_object_agg('k' || i, i)))
       AS big_context
FROM generate_series(1, 100000) i;
SELECT flow_render('{{ fromJson(s) | length }}', jsonb_build_object('s', jsonb_object_agg('k' || i, i)::text))
       AS big_json_text
FROM generate_series(1, 200000) i;

-- the output is at most 16 MB
SELECT length(flow_render('{% for i in range(1, 80000) %}{{ s }}{% endfor %}',
                          jsonb_build_object('s', repeat('x', 200)))) AS output_of_16_mb;
SELECT pg_temp.r('{% for i in range(1, 90000) %}{{ s }}{% endfor %}',
                 jsonb_build_object('s', repeat('x', 200))) AS output_over_16_mb;
SELECT left(pg_temp.r('{% for i in range(1, 200) %}{% for j in range(1, 1000) %}'
                      || repeat('plain text ', 10) || '{% endfor %}{% endfor %}'), 200) AS text_over_16_mb;
SELECT pg_temp.r('{{ [s, s, s, s, s, s, s, s, s, s] | json }}', jsonb_build_object('s', repeat('x', 2000000))) AS json_over_16_mb;
SELECT pg_temp.r('{{ s | replace({''x'': ''xxxxxxxxxx''}) }}', jsonb_build_object('s', repeat('x', 2000000))) AS replace_over_16_mb;
SELECT pg_temp.r('{{ [s, s, s, s, s, s, s, s, s, s] }}', jsonb_build_object('s', repeat('x', 2000000))) AS typed_over_16_mb;

-- ranges are at most 100000 items; loops and everything else share a budget of work, so nested
-- loops stop with an error instead of running for hours
SELECT pg_temp.r('{{ range(0, 100000) | length }}') AS range_100001;
SELECT clock_timestamp() AS started \gset
SELECT pg_temp.r('{% for a in range(1, 100000) %}{% for b in range(1, 100000) %}{% endfor %}{% endfor %}') AS nested_loops;
SELECT pg_temp.r('{% for a in range(1, 100000) %}{{ (s ~ s) | length }}{% endfor %}', jsonb_build_object('s', repeat('x', 10000))) AS big_strings_in_a_loop;
SELECT pg_temp.r('{% for a in range(1, 100000) %}{% if big == big %}{% endif %}{% endfor %}',
                 jsonb_build_object('big', (SELECT jsonb_agg(i) FROM generate_series(1, 10000) i))) AS big_comparisons;
SELECT clock_timestamp() - :'started'::timestamptz < interval '60 seconds' AS all_stopped_in_time;

-- numbers never wrap around
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ 9223372036854775807 + 1 }}'),
    ('{{ -9223372036854775807 - 1 }}'),
    ('{{ (-9223372036854775807 - 1) / -1 }}'),
    ('{{ (-9223372036854775807 - 1) % -1 }}'),
    ('{{ -(-9223372036854775807 - 1) }}'),
    ('{{ 3037000500 * 3037000500 }}'),
    ('{{ fromJson(''1e308'') * 10 }}'),
    ('{{ range(9223372036854775806, 9223372036854775807) }}'),
    ('{{ ''9223372036854775808'' | number(''INT'') }}'),
    ('{{ 9223372036854775807 | date(''yyyy'') }}')
) v(t);

-- control characters in the context pass through every filter (jsonb guarantees valid UTF-8 and
-- no NUL; templates are text)
SELECT flow_render(E'{{ s | upper }}|{{ s | length }}|{{ s | json }}', jsonb_build_object('s', E'a\u0001\tb')) AS controls;

-- in (and isIn) charges the text it compares: a list looked for in a list of itself stops with
-- the budget's error; a scalar looked for among big maps serialises none of them
SELECT pg_temp.r('{% for i in range(1, 6000) %}{{ j in [j] }}{% endfor %}',
                 jsonb_build_object('j', (SELECT jsonb_agg(g) FROM generate_series(1, 100000) g))) AS in_big_lists;
SELECT pg_temp.r('{% for i in range(1, 3000) %}{% if 7 in [m, m, m] %}x{% endif %}{% endfor %}|{{ 7 in [m, 7] }}',
                 jsonb_build_object('m', (SELECT jsonb_object_agg(g::text, g) FROM generate_series(1, 10000) g))) AS scalar_among_maps;
