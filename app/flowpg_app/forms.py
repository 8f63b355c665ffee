"""HTML forms generated from onResume declarations, and the inputs they submit.

The form only helps a person fill in the values: flowpg validates them (flow_resume and
flow_resume_link raise 22023 with every problem), and the app shows each problem next to the
input it names.  Each declaration becomes one field:

  BOOLEAN, BOOL            a yes / no choice
  SELECT                   a choice of its values (a text field with suggestions when
                           allowCustomValue is set)
  MULTISELECT              checkboxes of its values
  DATE, DATETIME, TIME     date, date and time (UTC), time inputs, after/before as min/max
  INT, FLOAT               number inputs with min and max
  STRING, EMAIL, URI       text, e-mail and URL inputs, with minLength, maxLength and validator
  SECRET                   a password input (what was typed is not sent back with errors)
  DURATION                 text (ISO-8601, such as PT30M)
  JSON, ARRAY              a text area of JSON

Declared defaults are filled in; a field left empty is left out of the inputs, so that flowpg
applies the default or reports the missing value.
"""

import json
import re

FIELD_WIDGETS = {
    "BOOLEAN": "boolean", "BOOL": "boolean",
    "SELECT": "select", "ENUM": "select",
    "MULTISELECT": "multiselect",
    "DATE": "date", "DATETIME": "datetime", "TIME": "time",
    "INT": "int", "FLOAT": "float",
    "STRING": "text", "EMAIL": "email", "URI": "url", "SECRET": "password",
    "DURATION": "duration",
    "JSON": "json", "ARRAY": "json",
}


class Field:
    """One input of the form, ready for the template."""

    def __init__(self, decl, submitted=None, errors=()):
        self.id = str(decl.get("id") or decl.get("name") or "")
        self.type = str(decl.get("type") or "STRING").upper()
        self.widget = FIELD_WIDGETS.get(self.type, "text")
        self.label = decl.get("displayName") or self.id
        self.description = decl.get("description")
        self.required = decl.get("required", True) is not False and "defaults" not in decl
        self.errors = list(errors)
        self.attrs = {}
        self.choices = [str(v) for v in decl.get("values") or []]
        self.custom = bool(decl.get("allowCustomValue"))
        default = decl.get("defaults")
        if submitted is not None and self.widget == "password":
            self.value = ""       # a secret typed in is not sent back in the page
        elif submitted is not None:
            self.value = submitted.getlist(self.id) if self.widget == "multiselect" else submitted.get(self.id, "")
        else:
            self.value = self._shown(default)
        if self.widget in ("int", "float"):
            for key in ("min", "max"):
                if isinstance(decl.get(key), (int, float)) and not isinstance(decl.get(key), bool):
                    self.attrs[key] = decl[key]
            self.attrs["step"] = "1" if self.widget == "int" else "any"
        if self.widget in ("text", "email", "url", "password"):
            for key, attr in (("minLength", "minlength"), ("maxLength", "maxlength")):
                if isinstance(decl.get(key), int) and not isinstance(decl.get(key), bool):
                    self.attrs[attr] = decl[key]
            if isinstance(decl.get("validator"), str):
                self.attrs["pattern"] = decl["validator"]
        if self.widget in ("date", "datetime", "time"):
            for key, attr in (("after", "min"), ("before", "max")):
                if isinstance(decl.get(key), str):
                    # the datetime-local control takes minutes, in UTC (as the app shows times)
                    self.attrs[attr] = decl[key][:16] if self.widget == "datetime" else decl[key]
        if self.widget == "duration":
            self.attrs["placeholder"] = "PT30M"

    def _shown(self, default):
        """A declared default as the field shows it."""
        if default is None:
            return [] if self.widget == "multiselect" else ""
        if self.widget == "boolean":
            return "true" if default is True or str(default).lower() == "true" else "false"
        if self.widget == "multiselect":
            return [str(v) for v in default] if isinstance(default, list) else [str(default)]
        if self.widget == "json":
            return json.dumps(default, ensure_ascii=False)
        if self.widget == "datetime" and isinstance(default, str):
            return default[:16]    # the datetime-local control shows minutes, in UTC
        return str(default)


def fields(declarations, submitted=None, errors=None):
    """The form's fields for a list of onResume declarations (with submitted values and errors)."""
    errors = errors or {}
    return [Field(d, submitted, errors.get(str(d.get("id") or d.get("name") or ""), ()))
            for d in declarations or [] if isinstance(d, dict)]


_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def inputs(declarations, form):
    """The inputs a submitted form gives flowpg: values typed as the declarations say."""
    result = {}
    for decl in declarations or []:
        if not isinstance(decl, dict):
            continue
        key = str(decl.get("id") or decl.get("name") or "")
        widget = FIELD_WIDGETS.get(str(decl.get("type") or "STRING").upper(), "text")
        if widget == "multiselect":
            values = [v for v in form.getlist(key) if v != ""]
            if values or key in form:
                result[key] = values
            continue
        if key not in form or form.get(key, "") == "":
            continue          # left empty: the default applies, or flowpg says it is missing
        value = form.get(key)
        if widget == "boolean":
            result[key] = {"true": True, "false": False}.get(value, value)
        elif widget == "json":
            try:
                result[key] = json.loads(value)
            except ValueError:
                result[key] = value      # flowpg says what is wrong with it
        elif widget == "datetime":
            if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", value):
                value += ":00"
            result[key] = value if _OFFSET.search(value) else value + "Z"
        else:
            result[key] = value          # INT and FLOAT as text: flowpg parses "42"
    return result


_PROBLEM = re.compile(r'input "((?:[^"\\]|\\.)*)"')
_SPLIT = re.compile(r"; (?=(?:invalid value for input|missing required input|unknown input|"
                    r"invalid default for input|cannot validate input|input \"|inputs must be))")


def problems(message, detail):
    """flowpg's input errors by input id, and those that name no declared input.

    A 22023 of flow_resume has the first problem as its message and, when there are more,
    every problem in its detail ("Every problem with the resume inputs: a; b.").
    """
    listed = [message]
    prefix = "Every problem with the resume inputs: "
    if detail and detail.startswith(prefix):
        listed = _SPLIT.split(detail[len(prefix):].rstrip("."))
    by_field = {}
    general = []
    for p in listed:
        m = _PROBLEM.search(p)
        if m and not p.startswith("unknown input"):
            by_field.setdefault(m.group(1), []).append(p)
        else:
            general.append(p)
    return by_field, general
