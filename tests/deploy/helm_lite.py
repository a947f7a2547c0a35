"""A small Go-template renderer for the tokend Helm chart, for CI without
helm.

It implements the part of Go templates and Helm's functions that
deploy/helm/tokend uses: actions with trim markers ({{- -}}), comments,
if / else if / else, with, define / include, pipelines, parenthesised
calls, variables ($x := ..., $x, $x.field, and $ for the template's
argument), and the functions in FUNCS. Anything else raises TemplateError, so
a template that starts using more fails the test instead of rendering
wrongly. Every `.Values` path a template reads is recorded in `used`.
"""

import hashlib
import re

import yaml


class TemplateError(Exception):
    pass


class Fail(Exception):
    """The template called `fail`."""


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)


def _lex(text):
    """Text and action tokens, with the trim markers applied."""
    out, pos = [], 0
    for m in _ACTION.finditer(text):
        chunk = text[pos:m.start()]
        if m.group(1):
            chunk = chunk.rstrip(" \t\r\n")
        out.append(("text", chunk))
        out.append(("action", m.group(2).strip(), bool(m.group(3))))
        pos = m.end()
    out.append(("text", text[pos:]))
    # Right trim: strip the leading whitespace of the text that follows.
    result = []
    trim_next = False
    for tok in out:
        if tok[0] == "text":
            result.append(("text", tok[1].lstrip(" \t\r\n") if trim_next else tok[1]))
            trim_next = False
        else:
            result.append(("action", tok[1]))
            trim_next = tok[2]
    return result


def _parse(tokens, pos, stop):
    """Nodes until one of the keywords in `stop`; returns (nodes, pos,
    the stopping action)."""
    nodes = []
    while pos < len(tokens):
        tok = tokens[pos]
        pos += 1
        if tok[0] == "text":
            if tok[1]:
                nodes.append(("text", tok[1]))
            continue
        act = tok[1]
        if act.startswith("/*"):
            continue
        word = act.split(None, 1)[0] if act else ""
        if word in stop or act in stop:
            return nodes, pos, act
        if word == "if" or word == "with":
            branches = []
            cond = act[len(word):].strip()
            while True:
                body, pos, end = _parse(tokens, pos, ("else", "end"))
                branches.append((cond, body))
                if end == "end":
                    nodes.append((word, branches))
                    break
                if end.startswith("else if "):
                    if word != "if":
                        raise TemplateError("else if inside with")
                    cond = end[len("else if "):].strip()
                elif end == "else":
                    body, pos, end2 = _parse(tokens, pos, ("end",))
                    branches.append((None, body))
                    nodes.append((word, branches))
                    break
                else:
                    raise TemplateError("unsupported: {{%s}}" % end)
        elif word == "define":
            name = _string(act[len("define"):].strip())
            body, pos, _ = _parse(tokens, pos, ("end",))
            nodes.append(("define", name, body))
        elif word in ("range", "template", "block", "break", "continue"):
            raise TemplateError("unsupported action: {{%s}}" % act)
        elif re.match(r"^\$\w+\s*:=", act):
            name, expr = act.split(":=", 1)
            nodes.append(("assign", name.strip(), expr.strip()))
        elif re.match(r"^\$\w*\s*=", act):
            raise TemplateError("unsupported: reassigning a variable: {{%s}}" % act)
        else:
            nodes.append(("pipe", act))
    if stop:
        raise TemplateError("missing {{end}}")
    return nodes, pos, None


def _string(token):
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        return bytes(token[1:-1], "utf-8").decode("unicode_escape")
    raise TemplateError("expected a string: %s" % token)


_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\(|\)|\||[^\s()|]+)')


def _tokens(expr):
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or not m.group(1):
            if expr[pos:].strip():
                raise TemplateError("cannot tokenise: %s" % expr)
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def _truthy(v):
    return v not in (None, False, 0, "", [], {}) and v == v


def _go_str(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (dict, list)):
        raise TemplateError("a map or list printed without toYaml: %r" % (v,))
    return str(v)


def _to_yaml(v):
    if v in (None, {}, []):
        return "{}" if v == {} else ("[]" if v == [] else "")
    return yaml.safe_dump(v, default_flow_style=False, sort_keys=True).rstrip("\n")


def _indent(n, s):
    pad = " " * int(n)
    return "\n".join(pad + line for line in _go_str(s).split("\n"))


def _int(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TemplateError("not a number: %r" % (v,))
    return int(v)


def _dict(args):
    if len(args) % 2:
        raise TemplateError("dict needs key/value pairs")
    return {args[i]: args[i + 1] for i in range(0, len(args), 2)}


def _printf(fmt, *args):
    return re.sub(r"%[sdv]", lambda m, it=iter(args): _go_str(next(it)), fmt)


FUNCS = {
    "quote": lambda *a: " ".join('"%s"' % _go_str(x).replace('"', '\\"') for x in a),
    "toYaml": _to_yaml,
    "nindent": lambda n, s: "\n" + _indent(n, s),
    "indent": _indent,
    "default": lambda d, *v: v[0] if v and _truthy(v[0]) else d,
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "not": lambda a: not _truthy(a),
    "and": lambda *a: next((x for x in a if not _truthy(x)), a[-1]),
    "or": lambda *a: next((x for x in a if _truthy(x)), a[-1]),
    "printf": _printf,
    "trunc": lambda n, s: _go_str(s)[:int(n)],
    "trimSuffix": lambda suf, s: s[:-len(suf)] if suf and s.endswith(suf) else s,
    "contains": lambda sub, s: sub in s,
    "add": lambda *a: sum(_int(x) for x in a),
    "sub": lambda a, b: _int(a) - _int(b),
    "min": lambda *a: min(_int(x) for x in a),
    "max": lambda *a: max(_int(x) for x in a),
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "dict": lambda *a: _dict(a),
    "sha256sum": lambda s: hashlib.sha256(_go_str(s).encode()).hexdigest(),
}


class Renderer:
    def __init__(self, values, release_name, namespace, chart):
        self.root = {
            "Values": values,
            "Release": {"Name": release_name, "Namespace": namespace,
                        "Service": "Helm"},
            "Chart": {"Name": chart["name"], "Version": chart["version"],
                      "AppVersion": chart.get("appVersion", "")},
        }
        self.defines = {}
        self.used = set()  # ".Values" paths read, as tuples

    def add_file(self, text):
        """Parses a template file; its defines become includable."""
        nodes, _, _ = _parse(_lex(text), 0, ())
        rest = []
        for n in nodes:
            if n[0] == "define":
                self.defines[n[1]] = n[2]
            else:
                rest.append(n)
        return rest

    def render(self, text):
        return self._exec(self.add_file(text), self.root, {"$": self.root})

    def _exec(self, nodes, dot, variables):
        """Runs `nodes`; `variables` maps "$name" to values ("$" is the
        template's argument). A block gets a copy, so what it declares
        ends with it, as in Go."""
        out = []
        for n in nodes:
            if n[0] == "text":
                out.append(n[1])
            elif n[0] == "pipe":
                out.append(_go_str(self._pipe(n[1], dot, variables)))
            elif n[0] == "assign":
                variables[n[1]] = self._pipe(n[2], dot, variables)
            elif n[0] in ("if", "with"):
                for cond, body in n[1]:
                    if cond is None:
                        out.append(self._exec(body, dot, dict(variables)))
                        break
                    v = self._pipe(cond, dot, variables)
                    if _truthy(v):
                        out.append(self._exec(body, v if n[0] == "with" else dot,
                                              dict(variables)))
                        break
        return "".join(out)

    def _field(self, tok, dot, variables):
        if tok == ".":
            return dot
        # `.x` reads the current dot (the root, or a `with` value); `$.x`
        # and `$name.x` read a variable.
        if tok.startswith("$"):
            name, _, rest = tok.partition(".")
            if name not in variables:
                raise TemplateError("undefined variable %s" % name)
            base, parts = variables[name], rest.split(".") if rest else []
        else:
            base, parts = dot, tok.split(".")[1:]
        if parts and parts[0] == "Values" and base is self.root:
            self.used.add(tuple(parts[1:]))
        v = base
        for p in parts:
            if not isinstance(v, dict):
                raise TemplateError("%s: not a map at %s" % (tok, p))
            v = v.get(p)
        return v

    def _pipe(self, expr, dot, variables):
        toks = _tokens(expr)
        value, pos, piped = None, 0, False
        while pos <= len(toks):
            cmd, pos = self._command(toks, pos, dot, variables)
            value = self._call(cmd, value if piped else None, piped, dot, variables)
            piped = True
            if pos < len(toks) and toks[pos] == "|":
                pos += 1
                continue
            if pos < len(toks):
                raise TemplateError("unexpected %s in %s" % (toks[pos], expr))
            break
        return value

    def _command(self, toks, pos, dot, variables):
        """Operands up to `|`, `)` or the end, parentheses evaluated."""
        cmd = []
        while pos < len(toks) and toks[pos] not in ("|", ")"):
            if toks[pos] == "(":
                depth, end = 1, pos + 1
                while depth:
                    if end >= len(toks):
                        raise TemplateError("unbalanced parentheses")
                    depth += {"(": 1, ")": -1}.get(toks[end], 0)
                    end += 1
                cmd.append(("value", self._pipe(" ".join(toks[pos + 1:end - 1]), dot,
                                                variables)))
                pos = end
            else:
                cmd.append(("token", toks[pos]))
                pos += 1
        return cmd, pos

    def _operand(self, op, dot, variables):
        kind, v = op
        if kind == "value":
            return v
        if v.startswith('"'):
            return _string(v)
        if re.fullmatch(r"-?\d+", v):
            return int(v)
        if v in ("true", "false"):
            return v == "true"
        if v.startswith(".") or v.startswith("$"):
            return self._field(v, dot, variables)
        raise TemplateError("unsupported operand %s" % v)

    def _call(self, cmd, piped_value, piped, dot, variables):
        if not cmd:
            raise TemplateError("empty command")
        kind, head = cmd[0]
        if kind == "token" and re.fullmatch(r"[A-Za-z]\w*", head) and \
                head not in ("true", "false"):
            args = [self._operand(op, dot, variables) for op in cmd[1:]]
            if piped:
                args.append(piped_value)
            if head == "include":
                name, arg = args
                if name not in self.defines:
                    raise TemplateError("include of undefined %s" % name)
                return self._exec(self.defines[name], arg, {"$": arg})
            if head == "fail":
                raise Fail(args[0])
            if head == "required":
                if args[1] is None or args[1] == "":
                    raise Fail(args[0])
                return args[1]
            if head not in FUNCS:
                raise TemplateError("unsupported function %s" % head)
            return FUNCS[head](*args)
        if len(cmd) != 1 or piped:
            raise TemplateError("cannot call a value: %r" % (cmd,))
        return self._operand(cmd[0], dot, variables)


def merge(base, override):
    """Helm's values merge: maps merge recursively, the rest replaces."""
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out
