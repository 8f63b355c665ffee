-- Pebble as Kestra ships it (issue 12): numberFormat patterns as java.text.DecimalFormat reads
-- them, every named format of date and existingFormat, timeZone on reading, render(),
-- secret(name, namespace) and the block tag; with their errors.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- numberFormat: a negative subpattern gives the prefix and suffix of negative numbers (its
-- digits are ignored, as in Java); per mille multiplies by 1000; '' is a quote, inside quotes too
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ -1234.5 | numberFormat("#,##0.00;(#,##0.00)") }}', '{{ 1234.5 | numberFormat("#,##0.00;(#)") }}',
    '{{ -3 | numberFormat("0;minus 0") }}', '{{ -0.001 | numberFormat("#.#;<#>") }}',
    '{{ 0.0125 | numberFormat("#.#‰") }}', '{{ 7 | numberFormat("0‰") }}',
    '{{ 5 | numberFormat("0 o''''clock") }}', '{{ 5 | numberFormat("''''0''''") }}',
    '{{ 5 | numberFormat("''it''''s ''0") }}', '{{ -5 | numberFormat("''$''0.00") }}',
    '{{ 1234567 | numberFormat("#,##,###") }}', '{{ 12.5 | numberFormat("0.0#") }}',
    '{{ 2 | numberFormat("E#") }}', '{{ 2 | numberFormat("#''E''") }}'
]) t;
-- patterns flowpg does not support are an error that says so, not wrong text: the E exponent,
-- the currency sign (its text depends on a locale), '#' after '0' in the integer part
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ 1234 | numberFormat("0.###E0") }}', '{{ 1234 | numberFormat("##0.##E0;(#)") }}',
    '{{ 1234 | numberFormat("#;#E0") }}',
    '{{ 1234 | numberFormat("¤#,##0.00") }}', '{{ 12 | numberFormat("0#") }}'
]) t;
-- patterns Java refuses are an error too: '0' after '#' in the fraction, a digit outside the
-- number part, an open quote, a grouping separator without digits, two ';', both % and per mille
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ 1 | numberFormat("#.#0") }}', '{{ 1 | numberFormat("# 0") }}', '{{ 1 | numberFormat("#'' x") }}',
    '{{ 1 | numberFormat("#,.0") }}', '{{ 1 | numberFormat("#,") }}', '{{ 1 | numberFormat("#;(#);#") }}',
    '{{ 1 | numberFormat("#%‰") }}', '{{ 1 | numberFormat("#;x") }}', '{{ 1 | numberFormat(";#") }}'
]) t;

-- date: every named format of Kestra's AbstractDate, of 2013-09-08T16:19:12.123456+01:00 (Kestra's
-- DateFilterTest), in Europe/Paris, UTC and a fixed offset
SELECT f, pg_temp.r('{{ d | date(format=f, timeZone="Europe/Paris") }}', jsonb_build_object('d', '2013-09-08T16:19:12.123456+01:00', 'f', f)) AS paris,
       pg_temp.r('{{ d | date(format=f, timeZone="UTC") }}', jsonb_build_object('d', '2013-09-08T16:19:12.123456+01:00', 'f', f)) AS utc,
       pg_temp.r('{{ d | date(format=f, timeZone="-03:30") }}', jsonb_build_object('d', '2013-09-08T16:19:12.120+01:00', 'f', f)) AS fixed
FROM unnest(ARRAY['iso', 'iso_milli', 'iso_sec', 'sql', 'sql_milli', 'sql_sec', 'sql_seq', 'iso_date_time',
    'iso_offset_date_time', 'iso_zoned_date_time', 'iso_instant', 'iso_local_date_time', 'iso_date',
    'iso_local_date', 'iso_time', 'iso_offset_time', 'iso_local_time', 'iso_ordinal_date',
    'iso_week_date', 'rfc_1123_date_time']) f;
-- week dates across a year's end (ISO weeks: 2021-01-03 is in week 53 of 2020), whole seconds
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "2021-01-03T12:00:00Z" | date("iso_week_date") }}', '{{ "2024-12-30T12:00:00Z" | date("iso_week_date") }}',
    '{{ "2013-09-08T16:19:12Z" | date("iso_date_time") }}', '{{ "2013-09-08T16:19:12Z" | date("rfc_1123_date_time") }}',
    '{{ "2013-09-08T16:19:12Z" | date("iso_zoned_date_time", timeZone="Z") }}',
    '{{ now(format="iso_local_date") | length }} {{ now("Europe/Lisbon", "sql_milli") | length }}'
]) t;
-- Kestra's DateFilterTest.dateStringFormat and dateRfc: text without an offset (and a date, at
-- its midnight) is read in timeZone, not as UTC; text with an offset keeps it
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "July 24, 2001" | date("yyyy-MM-dd", existingFormat="MMMM dd, yyyy") }}',
    '{{ "2013-09-08T17:19:12+02:00" | date(timeZone="Europe/Paris") }}',
    '{{ "2013-09-08T17:19:12" | date(timeZone="Europe/Paris") }}',
    '{{ "2013-09-08" | date(timeZone="Europe/Paris") }}',
    '{{ "08.09.2023" | date("yyyy-MM-dd", existingFormat="dd.MM.yyyy") }}',
    '{{ "08092023" | date("yyyy-MM-dd", existingFormat="ddMMyyyy") }}',
    '{{ "Tue, 08 Feb 2022 19:38:26 GMT" | date(existingFormat="rfc_1123_date_time", timeZone="Europe/Paris") }}',
    '{{ "2013-09-08 17:19:12" | date("iso", timeZone="America/New_York") }}',
    '{{ "2013-09-08T17:19:12" | date("iso") }}',
    '{{ "2013-09-08 17:19:12.5" | date("iso_instant", existingFormat="yyyy-MM-dd HH:mm:ss.S", timeZone="Asia/Kolkata") }}',
    '{{ "2013-09-08T17:19:12" | dateAdd(1, "DAYS", timeZone="Europe/Paris") }}',
    '{{ "2013-09-08T17:19:12" | timestamp(timeZone="Europe/Paris") }} {{ "2013-09-08T17:19:12" | timestamp }}',
    '{{ "2013-09-08" | timestampMilli(timeZone="+02:00") }}',
    '{{ 1378653552 | date("iso_sec", timeZone="Europe/Paris") }}'
]) t;
-- daylight saving time in a zone as java.time resolves it: a time in the spring gap moves forward
-- by the gap, a time in the autumn overlap takes the earlier (summer) offset
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "2024-03-31T02:30:00" | date("iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-10-27T02:30:00" | date("iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-10-27T02:30:00" | date("iso_sec", timeZone="Europe/Paris") }} = {{ "2024-10-27T00:30:00Z" | date("iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-10-27T03:30:00" | date("iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-03-10T02:30:00" | date("iso_sec", timeZone="America/New_York") }}',
    '{{ "2024-07-01T12:00:00" | date("iso_zoned_date_time", timeZone="Australia/Lord_Howe") }}'
]) t;
-- dateAdd of a date seen in timeZone (text without an offset, a number) adds days and longer to
-- the local date-time, as ZonedDateTime.plus does: across a change of clocks the time of day
-- stays; hours add to the instant; a date with its own offset keeps that offset
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "2024-03-30T12:00:00" | dateAdd(1, "DAYS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-03-30T12:00:00" | dateAdd(24, "HOURS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-03-30T12:00:00" | dateAdd(1, "WEEKS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-10-26T02:30:00" | dateAdd(1, "DAYS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-03-30T02:30:00" | dateAdd(1, "DAYS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-01-31T12:00:00" | dateAdd(2, "MONTHS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ 1711796400 | dateAdd(1, "DAYS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-03-30T12:00:00+01:00" | dateAdd(1, "DAYS", "iso_sec", timeZone="Europe/Paris") }}',
    '{{ "2024-03-30T12:00:00" | dateAdd(1, "DAYS", "iso_sec") }}'
]) t;
-- existingFormat with every named format that reads a date: a date-time with an offset keeps it,
-- one without (and a date) is read in timeZone; a time of day alone is no date
SELECT f, v, pg_temp.r('{{ v | date("iso", existingFormat=f, timeZone="Europe/Paris") }}', jsonb_build_object('v', v, 'f', f))
FROM (VALUES ('iso', '2013-09-08T17:19:12.123456+02:00'), ('iso_milli', '2013-09-08T17:19:12.123Z'),
    ('iso_sec', '2013-09-08T17:19:12-05:00'), ('sql', '2013-09-08 17:19:12.123456'),
    ('sql_milli', '2013-09-08 17:19:12.123'), ('sql_sec', '2013-09-08 17:19:12'),
    ('iso_date_time', '2013-09-08T17:19:12'), ('iso_date_time', '2013-09-08T17:19:12+02:00[Europe/Paris]'),
    ('iso_offset_date_time', '2013-09-08T17:19:12.5Z'), ('iso_zoned_date_time', '2013-09-08T17:19:12+09:00[Asia/Tokyo]'),
    ('iso_instant', '2013-09-08T15:19:12Z'), ('iso_local_date_time', '2013-09-08T17:19:12.1'),
    ('iso_date', '2013-09-08'), ('iso_date', '2013-09-08+05:00'), ('iso_local_date', '2013-09-08'),
    ('iso_ordinal_date', '2013-251'), ('iso_week_date', '2013-W36-7'), ('iso_week_date', '2020-W53-7'),
    ('rfc_1123_date_time', 'Sun, 8 Sep 2013 17:19:12 +0200'), ('rfc_1123_date_time', '8 Sep 2013 15:19 GMT')) AS x(f, v);
-- errors: text that does not fit the named format, a time of day alone, no week 53, an
-- unknown zone (also on reading), a pattern letter flowpg lacks
SELECT f, v, pg_temp.r('{{ v | date("iso", existingFormat=f, timeZone="Europe/Paris") }}', jsonb_build_object('v', v, 'f', f))
FROM (VALUES ('iso', '2013-09-08T17:19:12+02:00'), ('sql', '2013-09-08T17:19:12.123456'),
    ('iso_offset_date_time', '2013-09-08T17:19:12'), ('iso_local_date_time', '2013-09-08T17:19:12Z'),
    ('iso_instant', '2013-09-08T17:19:12'), ('iso_time', '17:19:12+02:00'), ('iso_local_time', '17:19:12'),
    ('iso_week_date', '2021-W53-1'), ('iso_ordinal_date', '2013-366'), ('rfc_1123_date_time', 'Sun, 8 Sep 2013 17:19:12'),
    ('rfc_1123_date_time', 'Sun, 31 Feb 2013 17:19:12 GMT'), ('iso_date', '2013-09-08T17:19:12')) AS x(f, v);
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "2013-09-08T17:19:12" | date(timeZone="Mars/Olympus") }}',
    '{{ "2013-09-08T17:19:12" | timestamp(timeZone="Mars/Olympus") }}',
    '{{ "2013-09-08" | dateAdd(1, "DAYS", timeZone="Nowhere/Land") }}',
    '{{ now(format="iso_nope") }}', '{{ now(format=1) }}'
]) t;

-- render(): text rendered as a template in the caller's context (loop variables too), again and
-- again while it changes (recursive, the default) or once; other values as they are; Kestra's
-- RenderFunctionTest: a string, a number, a boolean, null
SELECT t, pg_temp.r(t, '{"vars": {"greeting": "Hello {{ inputs.name | upper }}", "two": "{{ vars.one }}", "one": "{{ 1 + 1 }}", "list": "{{ [1, 2] }}", "plain": "no template", "raw": "{% raw %}{{ x }}{% endraw %}"}, "inputs": {"name": "zoë"}, "input": "test", "n": 42, "b": true, "z": null}') FROM unnest(ARRAY[
    '{{ render(vars.greeting) }}', '{{ render(vars.two) }}', '{{ render(vars.two, recursive=false) }}',
    '{{ render(vars.two, false) }}', '{{ render(vars.list) }}', '{{ render(vars.plain) }}',
    '{{ render(input) }}', '{{ render(n) + 1 }}', '{{ render(b) }}', '[{{ render(z) }}]',
    '{{ render(vars.raw) }}', '{{ render(vars.raw, recursive=false) }}',
    '{% for x in [1, 2] %}{{ render("<{{ x * 10 }}>") }}{% endfor %}',
    '{{ render("{{ render(''{{ 3 }}'') }}") }}', '{{ render(template="{{ 7 }}") }}'
]) t;
-- renderOnce(text) is render(text, false) (Kestra's RenderOncerFunctionTest)
SELECT t, pg_temp.r(t, '{"input": "{{ someOtherVar }}", "someOtherVar": "{{ yetAnotherVar }}", "yetAnotherVar": "test", "plain": "test"}') FROM unnest(ARRAY[
    '{{ renderOnce(plain) }}', '{{ renderOnce(someOtherVar) }}', '{{ renderOnce(input) }}', '{{ render(input) }}',
    '{{ renderOnce(input, true) }}'
]) t;
-- errors: a template that renders itself (Kestra's circular render test) or keeps growing ends at
-- the depth limit; a syntax error or an unknown variable in the rendered text; a wrong argument
SELECT t, pg_temp.r(t, '{"input": "{{ render(input) }}", "grow": "{{ grow }}{{ grow }}x", "bad": "{{ 1 +", "undef": "{{ nope }}", "unk": "{{ 1 | nofilter }}"}') FROM unnest(ARRAY[
    '{{ render(input) }}', '{{ render(grow) | length }}', '{{ render(bad) }}', '{{ render(undef) }}',
    '{{ render(unk) }}', '{{ render("x", recursive="yes") }}', '{{ render() }}', '{{ render(undef) ?? "fallback" }}'
]) t;

-- {% block %}: its body renders where it stands (no template inheritance), block('name') renders
-- it again; endblock may repeat the name; a name may be quoted
SELECT t, pg_temp.r(t, '{"who": "ann"}') FROM unnest(ARRAY[
    '<{% block greeting %}hi {{ who }}{% endblock %}> <{{ block("greeting") }}>',
    '{% block "title" %}T{% endblock title %}|{{ block(''title'') | upper }}',
    '{% for i in [1, 2] %}{% block row %}[{{ i }}]{% endblock %}{% endfor %}',
    '{% block outer %}({% block inner %}in{% endblock %}){% endblock %}{{ block("inner") }}',
    '{%- block b -%}  x  {%- endblock -%}!'
]) t;
-- errors: at deploy (syntax), a block without its end, two of one name, a mismatched or misplaced
-- endblock, no name; at render, an unknown block and a block that calls itself
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{% block a %}x', '{% block a %}{% endblock %}{% block a %}{% endblock %}',
    '{% block a %}{% endblock b %}', '{% endblock %}', '{% block %}x{% endblock %}',
    '{% block 1 %}x{% endblock %}', '{% block a b %}x{% endblock %}',
    '{{ block("none") }}', '{% block loop %}{{ block("loop") }}{% endblock %}'
]) t;
