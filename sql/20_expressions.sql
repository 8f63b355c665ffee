-- Expressions (SPEC section 3), part 1: literals, access, operators and their precedence,
-- rendering rules, syntax errors.  Everything goes through flow_render, as a flow author would.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

-- r(template, context): the rendered text, or "ERROR <sqlstate>: <message>" so that many cases
-- fit in one table.
CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- plain text is returned as it is
SELECT flow_render('no expressions here: { } {x} % #');
SELECT flow_render('');

-- literals: strings (both quotes, \\ and the quote as escapes; other backslashes stay), integers,
-- decimals, booleans, null, lists, maps (keys: bare names, strings, numbers)
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ ''single'' }}'),
    ('{{ "double" }}'),
    ('{{ ''it\''s'' }}'),
    ('{{ "say \"hi\"" }}'),
    ('{{ ''back\\slash'' }}'),
    ('{{ ''kept \n as written'' }}'),
    ('{{ 42 }}'),
    ('{{ 42L }}'),
    ('{{ 3.25 }}'),
    ('{{ 3.0 }}'),
    ('{{ 9223372036854775807 }}'),
    ('{{ true }} {{ TRUE }} {{ false }} {{ FALSE }}'),
    ('[{{ null }}] [{{ none }}] [{{ NULL }}]'),
    ('{{ [1, 2.5, ''a'', true, null, [], {}] }}'),
    ('{{ {a: 1, ''b-c'': 2, "d": [3], 4: ''four'', 1.5: ''x''} }}'),
    ('{{ {''k'': 1, ''k'': 2} }}'),
    ('{{ "Hello #{ ''zoë'' | upper }, #{ 1 + 2 }!" }}'),
    ('{{ "#{ [1, 2] }" }}')
) v(t);

-- access: a.b, a['b-c'], a[0], chained, on literals too; a number key reaches a map entry
SELECT t AS template, pg_temp.r(t, '{"a": {"b": "B", "b-c": "BC", "list": [10, 20, {"x": "X"}],
                                      "1": "one"}}') AS result FROM (VALUES
    ('{{ a.b }}'),
    ('{{ a[''b-c''] }}'),
    ('{{ a["b"] }}'),
    ('{{ a.list[0] }} {{ a.list[1] }}'),
    ('{{ a.list[2].x }} {{ a[''list''][2][''x''] }}'),
    ('{{ a.list[1.0] }}'),
    ('{{ a[1] }}'),
    ('{{ a[''li'' ~ ''st''][0] }}'),
    ('{{ [10, 20, 30][2] }} {{ {''k'': {''j'': ''v''}}.k.j }}'),
    ('{{ a.list[3] }}'),
    ('{{ a.list[-1] }}'),
    ('{{ a.b.c }}'),
    ('{{ a[[1]] }}')
) v(t);

-- arithmetic: int64 with overflow checks, integer division as Pebble (toward zero), mixed -> decimal
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ 1 + 2 }} {{ 5 - 8 }} {{ 6 * 7 }}'),
    ('{{ 7 / 2 }} {{ -7 / 2 }} {{ 7 % 3 }} {{ -7 % 3 }}'),
    ('{{ 7 / 2.0 }} {{ 1.5 * 2 }} {{ 0.1 + 0.2 }} {{ 7.5 % 2 }}'),
    ('{{ 10 / 4 * 4 }}'),
    ('{{ 9223372036854775807 + 1 }}'),
    ('{{ -9223372036854775807 - 2 }}'),
    ('{{ 9223372036854775807 * 2 }}'),
    ('{{ 1 / 0 }}'),
    ('{{ 1 % 0 }}'),
    ('{{ 1.5 / 0 }}'),
    ('{{ ''a'' * 2 }}'),
    ('{{ null + 1 }}'),
    ('{{ -(3) }} {{ +3 }} {{ - -3 }} {{ -1.5 }}'),
    ('{{ -''x'' }}'),
    ('{{ ''a'' + 1 }} {{ 1 + ''a'' }} {{ ''n='' + null }}'),
    ('{{ [1, 2] + 3 }} {{ [1] + [2, 3] }} {{ [1, 2, 3, 2] - 2 }} {{ [1, 2, 3] - [1, 3] }}')
) v(t);

-- comparison, equality (numbers by value, maps ignoring order), logic, contains, ~ and ..
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 4 >= 4.0 }}'),
    ('{{ ''abc'' < ''abd'' }} {{ ''b'' > ''abc'' }} {{ ''é'' > ''z'' }}'),
    ('{{ null < 1 }} {{ 1 > null }}'),
    ('{{ [1] < 2 }}'),
    ('{{ ''1'' < 2 }}'),
    ('{{ 1 == 1.0 }} {{ 1 != 2 }} {{ ''1'' == 1 }} {{ null == null }} {{ 1 equals 1 }}'),
    ('{{ [1, {''a'': 2}] == [1, {''a'': 2}] }} {{ {''a'': 1, ''b'': 2} == {''b'': 2, ''a'': 1} }} {{ [1, 2] == [2, 1] }}'),
    ('{{ true and false }} {{ true or false }} {{ not true }} {{ not 0 }}'),
    ('{{ ''yes'' and 1 }} {{ '''' or [] }}'),
    ('{{ false and undefined_thing }} {{ true or undefined_thing }}'),
    ('{{ true and undefined_thing }}'),
    ('{{ [1, 2, 3] contains 2 }} {{ [1, 2, 3] contains 4 }} {{ [1, 2, 3] contains [3, 1] }}'),
    ('{{ {''a'': 1} contains ''a'' }} {{ {''a'': 1} contains ''b'' }}'),
    ('{{ ''hello'' contains ''ell'' }} {{ ''hello'' contains ''xyz'' }} {{ null contains 1 }}'),
    ('{{ 5 contains 1 }}'),
    ('{{ ''a'' ~ 1 ~ true ~ null ~ [1, ''x''] ~ {''k'': ''v''} ~ 2.5 }}'),
    ('{{ 1..4 }} {{ 3..1 }}')
) v(t);

-- precedence, loosest first: ? :, or, and, is/contains, comparisons, + -, * / %, |, ~, ?? ??? ..;
-- unary not - + bind tightest; parentheses group
SELECT t AS template, pg_temp.r(t, '{"n": 5, "s": "ab"}') AS result FROM (VALUES
    ('{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 4 - 3 }} {{ 2 * 3 % 4 }}'),
    ('{{ 1 + 2 == 3 }}'),
    ('{{ 1 < 2 == true }}'),
    ('{{ true or false and false }} {{ (true or false) and false }}'),
    ('{{ not false and false }} {{ not (false and false) }}'),
    ('{{ not n == 5 }}'),
    ('{{ n > 3 and n < 10 ? ''in'' : ''out'' }}'),
    ('{{ n is odd and n > 1 }}'),
    ('{{ [1, 2] contains 1 and true }}'),
    ('{{ 1 + 2 ~ 3 }}'),
    ('{{ ''a'' ~ ''b'' | upper }}'),
    ('{{ s | upper ~ ''c'' }}'),
    ('{{ missing ?? ''x'' | upper }}'),
    ('{{ ''x'' ~ missing ?? ''y'' }}'),
    ('{{ -n | json }}'),
    ('{{ -n + 1 }} {{ - 2 * 3 }}'),
    ('{{ 1..3 | length }}'),
    ('{{ true ? ''a'' : false ? ''b'' : ''c'' }} {{ false ? ''a'' : false ? ''b'' : ''c'' }}'),
    ('{{ (n > 3 ? ''big'' : ''small'') | upper }}'),
    ('{{ ((((((((((n)))))))))) }}')
) v(t);

-- ternary and ?? are lazy: the branch or right side not taken is not evaluated (no strict error)
SELECT t AS template, pg_temp.r(t, '{"taskrun": {"attemptsCount": 1}, "x": null}') AS result FROM (VALUES
    ('{{ taskrun.attemptsCount == 1 ? ''ok'' : ko }}'),
    ('{{ taskrun.attemptsCount == 0 ? ''ok'' : ko }}'),
    ('{{ ''set'' ?? ko }}'),
    ('{{ missing ?? ''fallback'' }}'),
    ('{{ x ?? ''null counts as missing'' }}'),
    ('{{ missing.deeper[0].still ?? ''whole chain'' }}'),
    ('{{ (missing | upper) ?? ''inside a filter'' }}'),
    ('{{ a ?? b ?? ''third'' }}'),
    ('{{ missing ?? also_missing }}'),
    ('{{ missing ??? ''undefined only'' }} [{{ x ??? ''null stays'' }}]'),
    ('{{ (1 / 0) ?? ''not caught: only undefined is'' }}')
) v(t);

-- rendering rules: a template that is exactly one {{ }} (white space around allowed) keeps the
-- JSON type; mixed text renders values as text, lists and maps as JSON, null as nothing
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ [1, 2] }}'),
    ('x{{ [1, 2] }}'),
    ('{{ {''a'': [true, null]} }}'),
    ('a{{ null }}b'),
    ('{{ null }}'),
    ('{{ 42 }}'),
    ('n={{ 42 }}, f={{ 2.5 }}, b={{ true }}, s={{ ''str'' }}'),
    ('{{ 100000000000000000000.0 }} {{ 0.000001 }} {{ -0.0 }}')
) v(t);
SELECT flow_render('{{ [1, {"a": "b"}] }}')::jsonb = '[1, {"a": "b"}]'::jsonb AS list_is_json,
       jsonb_typeof(flow_render('  {{ 42 }}
')::jsonb) AS single_with_whitespace,
       flow_render('{{ 42 }} ') AS trailing_space_dropped,
       jsonb_typeof(flow_render('{{ inputs.m }}', '{"inputs": {"m": {"k": 1}}}')::jsonb) AS map;

-- comments and whitespace control
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('a{# a comment with {{ x }} inside #}b'),
    (E'a  {{- ''b'' -}}  \n c'),
    (E'a \n {%- if true -%} \n b \n {%- endif -%} \n c'),
    ('a {#- trimmed -#} b'),
    ('{{- 1 -}}')
) v(t);

-- syntax errors: 42601 with the character position (in characters, not bytes) in the template
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ 1 + }}'),
    ('ünïcödé {{ 1 + }}'),
    ('{{ inputs.name '),
    ('{{ a[ }}'),
    ('{{ (a] }}'),
    ('{{ a) }}'),
    ('{{ }}'),
    ('{{ 1 2 }}'),
    ('{{ ''unterminated }}'),
    ('{{ !a }}'),
    ('{{ a && b }}'),
    ('{{ a ? b }}'),
    ('{{ a.1 }}'),
    ('{{ a.b() }}'),
    ('{{ x | nosuchfilter }}'),
    ('{{ nosuchfunction() }}'),
    ('{{ x is nosuchtest }}'),
    ('{{ 99999999999999999999 }}'),
    ('{{ 1abc }}'),
    ('{# never closed'),
    ('{{ and }}'),
    ('{{ {a 1} }}'),
    ('{{ "#{ 1 + }" }}')
) v(t);
