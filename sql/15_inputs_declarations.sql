-- Input declarations (SPEC section 2.1), for flow inputs and Pause/HumanTask onResume: every
-- rule checked at deploy with line, column and path; valid declarations of every type deploy.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- Every type, with every validation key and a valid default, deploys.
SELECT namespace, id, revision FROM flow_deploy($$
id: all_types
namespace: demo.inputs
inputs:
  - id: name
    type: STRING
    displayName: Your name
    description: As on your badge
    validator: "[A-Z][a-z]+( [A-Z][a-z]+)*"
    minLength: 2
    maxLength: 40
    defaults: Ada Lovelace
  - id: count
    type: INT
    min: 1
    max: 10
    defaults: 3
  - id: ratio
    type: FLOAT
    min: 0
    max: 0.5
    defaults: 0.25
  - id: approved
    type: BOOLEAN
    defaults: false
  - id: legacy_flag
    type: BOOL
    required: false
  - id: start
    type: DATE
    after: 2024-01-01
    before: "2024-12-31"
    defaults: 2024-06-01
  - id: deadline
    type: DATETIME
    after: "2024-01-01T00:00:00Z"
    before: "2024-12-31T23:59:59+02:00"
    defaults: "2024-06-01T12:00:00+02:00"
  - id: at
    type: TIME
    after: "08:00"
    before: "18:00:00"
    defaults: "09:30"
  - id: wait
    type: DURATION
    min: PT1M
    max: P1D
    defaults: PT5M
  - id: team
    type: SELECT
    values: [HR, Finance, IT]
    defaults: IT
  - id: custom_team
    type: SELECT
    values: [HR]
    allowCustomValue: true
    defaults: Legal
  - id: teams
    type: MULTISELECT
    values: [HR, Finance, IT]
    defaults: [HR, IT]
  - id: payload
    type: JSON
    defaults:
      a: 1
      b: [true, null]
  - id: payload_text
    type: JSON
    defaults: '{"a": 1}'
  - id: site
    type: URI
    defaults: https://example.com/path?q=1#top
  - id: contact
    type: EMAIL
    defaults: ada@example.com
  - id: ids
    type: ARRAY
    itemType: INT
    defaults: [1, 2, 3]
  - id: days
    type: ARRAY
    itemType: DATE
    defaults: "[\"2024-01-01\"]"
  - id: token
    type: SECRET
    validator: "[a-f0-9]{8}"
    required: false
  - id: nested.one
    type: STRING
    required: false
  - id: nested.two.deep
    type: INT
    required: false
  - id: optional
    type: STRING
    required: false
    description:
    defaults:
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        required: false
  - id: approve_as_person
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: [alice]
    onResume:
      - id: choice
        type: SELECT
        values: [yes, no]
$$);

-- Kestra's deprecated spellings: `name` for `id`, ENUM for SELECT (from Kestra's own inputs test
-- flow, without its FILE and YAML inputs, which flowpg does not have).
SELECT count(*) AS problems FROM flow_validate($$
id: inputs
namespace: io.kestra.tests
inputs:
- id: string
  type: STRING
- id: enum
  type: ENUM
  values:
    - ENUM_VALUE
    - OTHER_ONE
- id: int
  type: INT
- id: bool
  type: BOOL
  required: false
- id: float
  type: FLOAT
- id: instant
  type: DATETIME
- id: instantDefaults
  type: DATETIME
  defaults: "2013-08-09T14:19:00Z"
- id: nested.more.int
  type: INT
  required: false
- id: validatedString
  type: STRING
  validator: A\d+
  required: false
- id: validatedInt
  type: INT
  min: 10
  max: 20
  required: false
- id: validatedDate
  type: DATE
  after: 2023-01-01
  before: 2023-12-31
  required: false
- id: validatedDateTime
  type: DATETIME
  after: "2023-01-01T00:00:00Z"
  before: "2023-12-31T23:59:59Z"
  required: false
- id: validatedDuration
  type: DURATION
  min: PT10S
  max: PT20S
  required: false
- id: validatedFloat
  type: FLOAT
  min: 0.1
  max: 0.5
  required: false
- id: validatedTime
  type: TIME
  after: "01:00:00"
  before: "11:59:59"
  required: false
- name: secret
  type: SECRET
- name: array
  type: ARRAY
  itemType: INT
- name: empty
  type: STRING
  defaults: ''
  required: true
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- ... and its FILE and YAML inputs are refused, listing the supported types.
SELECT * FROM flow_validate($$
id: inputs
namespace: io.kestra.tests
inputs:
- id: file
  type: FILE
- name: yaml
  type: YAML
  defaults:
    property: something
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- Shapes: not a map, no id, no type, bad ids, bad types, both id and name.
SELECT * FROM flow_validate($$
id: shapes
namespace: demo
inputs:
  - just a string
  - type: STRING
  - id: no_type
  - id: "-starts-with-dash"
    type: STRING
  - id: has space
    type: STRING
  - id: a..b
    type: STRING
  - id: trailing.
    type: STRING
  - id: 42
    type: STRING
  - id: typed
    type: [STRING]
  - id: lower
    type: string
  - id: both
    name: both
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- inputs must be a list; so must onResume
SELECT * FROM flow_validate($$
id: not_a_list
namespace: demo
inputs:
  id: x
  type: STRING
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.Pause
    onResume: approved
$$);

-- Duplicate ids, and ids where one would be nested in the other's value.
SELECT * FROM flow_validate($$
id: dups
namespace: demo
inputs:
  - id: a
    type: STRING
  - id: a
    type: INT
  - id: a.b
    type: STRING
  - id: x.y
    type: STRING
  - id: x.y.z
    type: STRING
  - id: x.w
    type: STRING
  - id: ab
    type: STRING
  - name: x.w
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- Keys that do not belong: typos, keys of other types, keys of no type.
SELECT * FROM flow_validate($$
id: keys
namespace: demo
inputs:
  - id: s
    type: STRING
    validatr: "[a-z]+"
  - id: i
    type: INT
    values: [a]
    minLength: 1
  - id: sel
    type: SELECT
    values: [a]
    min: 1
  - id: u
    type: UNKNOWN
    min: 1
    colour: red
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- Common keys with the wrong types.
SELECT * FROM flow_validate($$
id: common
namespace: demo
inputs:
  - id: s
    type: STRING
    required: "yes"
    displayName: 5
    description: [a, b]
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- STRING and SECRET: validator, lengths, defaults checked against them.
SELECT * FROM flow_validate($$
id: strings
namespace: demo
inputs:
  - id: bad_regex
    type: STRING
    validator: "a(b"
  - id: escaping_regex
    type: STRING
    validator: "a)|(b"
  - id: numeric_regex
    type: STRING
    validator: 42
  - id: lengths
    type: STRING
    minLength: -1
    maxLength: "5"
  - id: crossed
    type: STRING
    minLength: 5
    maxLength: 2
  - id: short_default
    type: STRING
    minLength: 3
    defaults: ab
  - id: long_default
    type: STRING
    maxLength: 3
    defaults: abcd
  - id: unmatched_default
    type: STRING
    validator: A\d+
    defaults: A12x
  - id: number_default
    type: STRING
    defaults: 42
  - id: case_insensitive
    type: STRING
    validator: "(?i)yes|no"
    defaults: YES
  - id: pin
    type: SECRET
    validator: "\\d{4}"
    defaults: abcd
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- INT and FLOAT: bounds of the right type, min <= max, defaults within them.
SELECT * FROM flow_validate($$
id: numbers
namespace: demo
inputs:
  - id: i1
    type: INT
    min: 1.5
    max: ten
  - id: i2
    type: INT
    min: 20
    max: 10
  - id: i3
    type: INT
    min: 10
    defaults: 9
  - id: i4
    type: INT
    max: 20
    defaults: "21"
  - id: i5
    type: INT
    defaults: "4.0"
  - id: i6
    type: INT
    defaults: "42"
  - id: f1
    type: FLOAT
    min: low
  - id: f2
    type: FLOAT
    min: 0.5
    max: 0.1
  - id: f3
    type: FLOAT
    max: 0.5
    defaults: 1.01
  - id: f4
    type: FLOAT
    defaults: true
  - id: f5
    type: FLOAT
    min: 1
    defaults: "1e3"
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- BOOLEAN: true/false in any case, nothing else.
SELECT * FROM flow_validate($$
id: booleans
namespace: demo
inputs:
  - id: b1
    type: BOOLEAN
    defaults: "yes"
  - id: b2
    type: BOOL
    defaults: "TRUE"
  - id: b3
    type: BOOLEAN
    defaults: 1
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- DATE, DATETIME, TIME: after/before parse by type, after <= before, defaults inside (inclusive).
SELECT * FROM flow_validate($$
id: dates
namespace: demo
inputs:
  - id: d1
    type: DATE
    after: 2023-13-01
    before: 20230101
  - id: d2
    type: DATE
    after: 2023-12-31
    before: 2023-01-01
  - id: d3
    type: DATE
    after: 2023-01-01
    before: 2023-12-31
    defaults: 2022-12-31
  - id: d4
    type: DATE
    before: 2023-12-31
    defaults: 2024-01-01
  - id: d5
    type: DATE
    defaults: 01/02/2023
  - id: d6
    type: DATE
    after: 2023-01-01
    defaults: 2023-01-01
  - id: t1
    type: DATETIME
    after: "2023-01-01T00:00:00"
  - id: t2
    type: DATETIME
    before: "2023-12-31T23:59:59Z"
    defaults: "2024-01-01T01:00:00+02:00"
  - id: t3
    type: DATETIME
    before: "2023-12-31T23:59:59Z"
    defaults: "2024-01-01T02:00:00+02:00"
  - id: t4
    type: DATETIME
    defaults: 2023-01-01
  - id: h1
    type: TIME
    after: "25:00"
  - id: h2
    type: TIME
    after: "01:00"
    defaults: "00:00:01"
  - id: h3
    type: TIME
    before: "11:59:59"
    defaults: "14:00"
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- DURATION: ISO-8601 as java.time's Duration reads it (no months), min <= max, defaults.
SELECT * FROM flow_validate($$
id: durations
namespace: demo
inputs:
  - id: w1
    type: DURATION
    min: P1M
    max: 10
  - id: w2
    type: DURATION
    min: PT20S
    max: PT10S
  - id: w3
    type: DURATION
    min: PT10S
    defaults: PT1S
  - id: w4
    type: DURATION
    max: PT20S
    defaults: PT0.5M
  - id: w5
    type: DURATION
    defaults: 5 minutes
  - id: w6
    type: DURATION
    max: P1D
    defaults: PT24H
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- SELECT (and ENUM) and MULTISELECT: values required, a non-empty list of strings.
SELECT * FROM flow_validate($$
id: selects
namespace: demo
inputs:
  - id: s1
    type: SELECT
  - id: s2
    type: SELECT
    values: []
  - id: s3
    type: SELECT
    values: HR
  - id: s4
    type: SELECT
    values: [HR, 1, true]
  - id: s5
    type: SELECT
    values: [HR, IT]
    allowCustomValue: "yes"
  - id: s6
    type: SELECT
    values: [HR, IT]
    defaults: Sales
  - id: s7
    type: ENUM
    values: [HR, IT]
    defaults: hr
  - id: m1
    type: MULTISELECT
  - id: m2
    type: MULTISELECT
    values: [HR, IT]
    defaults: [HR, Sales]
  - id: m3
    type: MULTISELECT
    values: [HR, IT]
    defaults: HR
  - id: m4
    type: MULTISELECT
    values: [HR, IT]
    allowCustomValue: true
    defaults: [HR, Sales]
  - id: m5
    type: MULTISELECT
    values: [HR, IT]
    defaults: '["IT"]'
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- JSON, URI, EMAIL defaults.
SELECT * FROM flow_validate($$
id: texts
namespace: demo
inputs:
  - id: j1
    type: JSON
    defaults: not json
  - id: j2
    type: JSON
    defaults: "[1, 2"
  - id: j3
    type: JSON
    defaults: 42
  - id: u1
    type: URI
    defaults: http:/bla
  - id: u2
    type: URI
    defaults: www.example.com
  - id: u3
    type: URI
    defaults: https://exa mple.com
  - id: u4
    type: URI
    defaults: mailto:ada@example.com
  - id: u5
    type: URI
    defaults: http://example.com:80a/
  - id: u6
    type: URI
    defaults: "https://[::1]:8443/x"
  - id: e1
    type: EMAIL
    defaults: ada
  - id: e2
    type: EMAIL
    defaults: ada@example
  - id: e3
    type: EMAIL
    defaults: ada..l@example.com
  - id: e4
    type: EMAIL
    defaults: ada.lovelace+flows@example.co.uk
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- ARRAY: itemType required and a listed type other than ARRAY; items validated as itemType.
SELECT * FROM flow_validate($$
id: arrays
namespace: demo
inputs:
  - id: a1
    type: ARRAY
  - id: a2
    type: ARRAY
    itemType: ARRAY
  - id: a3
    type: ARRAY
    itemType: SELECT
  - id: a4
    type: ARRAY
    itemType: FOO
  - id: a5
    type: ARRAY
    itemType: INT
    defaults: [1, "x"]
  - id: a6
    type: ARRAY
    itemType: INT
    defaults: 1
  - id: a7
    type: ARRAY
    itemType: INT
    defaults: [1, "2", 3]
  - id: a8
    type: ARRAY
    itemType: SECRET
    defaults: [1]
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- onResume of Pause and HumanTask, inside nested tasks: paths point into the task.
SELECT * FROM flow_validate($$
id: resume_inputs
namespace: demo
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: approve
        type: io.kestra.plugin.core.flow.Pause
        onResume:
          - id: approved
            type: BOOLEAN
            defaults: maybe
          - id: approved
            type: STRING
  - id: human
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      groups: [managers]
    onResume:
      - id: level
        type: INTEGER
$$);

-- flow_deploy raises the first problem (22023) with its position and path; nothing is stored.
\set VERBOSITY terse
SELECT * FROM flow_deploy($$
id: refused
namespace: demo
inputs:
  - id: n
    type: INT
    min: 10
    defaults: 9
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) FROM flowpg.flows WHERE id = 'refused';
