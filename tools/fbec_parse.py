"""Reads .fbe schemas into a model the C emitter walks (tools/fbec).

Everything the parser does not understand is an FbeError carrying file:line,
so a schema is either compiled faithfully or refused with a reason.
"""

import re


class FbeError(Exception):
    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: error: {message}")


# name: (C type, FBE slot size)
PRIMITIVES = {
    "bool": ("bool", 1),
    "byte": ("uint8_t", 1),
    "char": ("char", 1),
    "wchar": ("uint32_t", 4),
    "int8": ("int8_t", 1),
    "uint8": ("uint8_t", 1),
    "int16": ("int16_t", 2),
    "uint16": ("uint16_t", 2),
    "int32": ("int32_t", 4),
    "uint32": ("uint32_t", 4),
    "int64": ("int64_t", 8),
    "uint64": ("uint64_t", 8),
    "float": ("float", 4),
    "double": ("double", 8),
    "timestamp": ("uint64_t", 8),
    "uuid": ("tr_fbe_uuid", 16),
    "decimal": ("tr_fbe_decimal", 16),
}
INTEGER_RANGES = {
    "byte": (0, 255), "char": (0, 255), "wchar": (0, 0xFFFFFFFF),
    "int8": (-128, 127), "uint8": (0, 255),
    "int16": (-32768, 32767), "uint16": (0, 65535),
    "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1),
    "int64": (-2**63, 2**63 - 1), "uint64": (0, 2**64 - 1),
    "timestamp": (0, 2**64 - 1),
}
ENUM_BASES = ["byte", "char", "wchar", "int8", "uint8", "int16", "uint16",
              "int32", "uint32", "int64", "uint64"]
C_KEYWORDS = set("""auto break case char const continue default do double else enum
extern float for goto if inline int long register restrict return short signed
sizeof static struct switch typedef union unsigned void volatile while bool
true false _Bool""".split())


class Tok:
    def __init__(self, kind, value, line):
        self.kind, self.value, self.line = kind, value, line

    def __repr__(self):
        return f"{self.kind}:{self.value!r}@{self.line}"


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def lex(path, text):
    toks, i, line, n = [], 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise FbeError(path, line, "unterminated comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif c.isalpha() or c == "_":
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, i)
            toks.append(Tok("id", m.group(0), line))
            i = m.end()
        elif c.isdigit():
            m = re.compile(r"0[xX][0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?").match(text, i)
            toks.append(Tok("num", m.group(0), line))
            i = m.end()
        elif c in "\"'":
            quote, j, out = c, i + 1, []
            while True:
                if j >= n or text[j] == "\n":
                    raise FbeError(path, line, "unterminated literal")
                ch = text[j]
                if ch == quote:
                    break
                if ch == "\\":
                    e = text[j + 1] if j + 1 < n else ""
                    if e == "x":
                        m = re.compile(r"[0-9a-fA-F]{2}").match(text, j + 2)
                        if not m:
                            raise FbeError(path, line, "bad \\x escape")
                        out.append(chr(int(m.group(0), 16)))
                        j += 4
                        continue
                    if e not in ESCAPES:
                        raise FbeError(path, line, f"unknown escape \\{e}")
                    out.append(ESCAPES[e])
                    j += 2
                    continue
                out.append(ch)
                j += 1
            value = "".join(out)
            if quote == "'":
                if len(value) != 1:
                    raise FbeError(path, line, "a char literal holds exactly one character")
                toks.append(Tok("char", value, line))
            else:
                toks.append(Tok("str", value, line))
            i = j + 1
        elif c in "{}[]()<>;,=|?:.-+":
            toks.append(Tok("p", c, line))
            i += 1
        else:
            raise FbeError(path, line, f"unexpected character {c!r}")
    toks.append(Tok("eof", None, line))
    return toks


class Type:
    """kind: prim, string, bytes, enum, flags, struct, opt, vec, map, arr."""

    def __init__(self, kind, name=None, inner=None, key=None, n=None, ref=None):
        self.kind, self.name, self.inner, self.key, self.n, self.ref = kind, name, inner, key, n, ref

    def mangle(self):
        if self.kind == "opt":
            return "opt_" + self.inner.mangle()
        if self.kind == "vec":
            return "vec_" + self.inner.mangle()
        if self.kind == "map":
            return "map_" + self.key.mangle() + "_" + self.inner.mangle()
        if self.kind == "arr":
            return f"arr{self.n}_" + self.inner.mangle()
        return self.name

    def size(self):
        if self.kind == "prim":
            return PRIMITIVES[self.name][1]
        if self.kind in ("enum", "flags"):
            return PRIMITIVES[self.ref.base][1]
        if self.kind == "opt":
            return 5
        if self.kind == "arr":
            return self.n * self.inner.size()
        return 4  # string, bytes, struct, vector, map: one offset slot


class Enum:
    def __init__(self, name, base, line, is_flags):
        self.name, self.base, self.line, self.is_flags = name, base, line, is_flags
        self.values = []  # (name, int)


class Field:
    def __init__(self, name, type_, attrs, default, line):
        self.name, self.type, self.attrs, self.default, self.line = name, type_, attrs, default, line
        self.offset = 0
        self.cname = name + "_" if name in C_KEYWORDS else name


class Struct:
    def __init__(self, name, type_id, attrs, is_message, line):
        self.name, self.type_id, self.attrs, self.is_message, self.line = name, type_id, attrs, is_message, line
        self.fields = []
        self.body = 8
        self.request = False
        self.response = None
        self.reject = None
        self.id_field = None


class Schema:
    def __init__(self, path):
        self.path = path
        self.domain = None
        self.package = None
        self.version = None
        self.enums = {}
        self.structs = []
        self.by_name = {}


class Parser:
    def __init__(self, path, text):
        self.path = path
        self.toks = lex(path, text)
        self.i = 0
        self.s = Schema(path)

    # -- token helpers -------------------------------------------------
    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.peek()
        self.i += 1
        return t

    def err(self, tok, msg):
        raise FbeError(self.path, tok.line, msg)

    def is_p(self, c, k=0):
        t = self.peek(k)
        return t.kind == "p" and t.value == c

    def expect_p(self, c):
        t = self.next()
        if t.kind != "p" or t.value != c:
            self.err(t, f"expected '{c}', found {self.describe(t)}")
        return t

    def expect_id(self, what):
        t = self.next()
        if t.kind != "id":
            self.err(t, f"expected {what}, found {self.describe(t)}")
        return t

    @staticmethod
    def describe(t):
        return "end of file" if t.kind == "eof" else repr(t.value)

    def opt_semicolon(self):
        if self.is_p(";"):
            self.next()

    # -- top level -----------------------------------------------------
    def parse(self):
        s = self.s
        next_id = 1
        while self.peek().kind != "eof":
            attrs = self.attrs()
            t = self.expect_id("a declaration")
            kw = t.value
            if kw in ("domain", "package") and attrs:
                self.err(t, f"attributes are not allowed on {kw}")
            if kw == "domain":
                s.domain = self.dotted()
            elif kw == "package":
                name = self.expect_id("a package name")
                if self.is_p("."):
                    self.err(name, "dotted package names are not supported")
                if s.package:
                    self.err(name, "package declared twice")
                s.package = name.value
                if self.peek().kind == "id" and self.peek().value == "offset":
                    self.err(self.peek(), "package offsets are not supported")
                self.opt_semicolon()
            elif kw == "version":
                parts = []
                while self.peek().line == t.line and (self.peek().kind == "num" or self.is_p(".")):
                    parts.append(self.next().value)
                if not parts:
                    self.err(t, "version needs a number such as 1.0")
                s.version = "".join(parts)
                self.opt_semicolon()
            elif kw == "import":
                self.err(t, "import is not supported: put every type in one schema")
            elif kw in ("enum", "flags"):
                if attrs:
                    self.err(t, f"attributes are not supported on {kw}")
                self.enum(kw == "flags")
            elif kw in ("struct", "message"):
                next_id = self.struct(attrs, kw == "message", next_id)
            else:
                self.err(t, f"unknown declaration '{kw}'")
        if not s.package:
            raise FbeError(self.path, 1, "schema has no package declaration")
        self.link()
        return s

    def dotted(self):
        parts = [self.expect_id("a name").value]
        while self.is_p("."):
            self.next()
            parts.append(self.expect_id("a name").value)
        self.opt_semicolon()
        return ".".join(parts)

    def attrs(self):
        out = []
        while self.is_p("["):
            self.next()
            while True:
                name = self.expect_id("an attribute")
                arg = None
                if self.is_p("("):
                    self.next()
                    arg = self.expect_id("a type name").value
                    self.expect_p(")")
                out.append((name.value, arg, name.line))
                if self.is_p(","):
                    self.next()
                    continue
                break
            self.expect_p("]")
        return out

    def declared(self, tok, name):
        if name in self.s.enums or name in self.s.by_name or name in PRIMITIVES or name in ("string", "bytes"):
            self.err(tok, f"'{name}' is already declared")

    # -- enums and flags -----------------------------------------------
    def enum(self, is_flags):
        name = self.expect_id("a name")
        self.declared(name, name.value)
        base = "int32"
        if self.is_p(":"):
            self.next()
            b = self.expect_id("a base type")
            if b.value not in ENUM_BASES:
                self.err(b, f"'{b.value}' cannot be the base type of an enum or flags")
            base = b.value
        e = Enum(name.value, base, name.line, is_flags)
        lo, hi = INTEGER_RANGES[base]
        self.expect_p("{")
        known = {}
        nxt = 0
        while not self.is_p("}"):
            vt = self.expect_id("a value name")
            if vt.value in known:
                self.err(vt, f"'{vt.value}' is declared twice in {e.name}")
            if self.is_p("="):
                self.next()
                value = self.int_expr(known, e.name)
            elif is_flags:
                self.err(vt, f"flags value '{vt.value}' needs an explicit value")
            else:
                value = nxt
            if not lo <= value <= hi:
                self.err(vt, f"{vt.value} = {value} does not fit {base}")
            known[vt.value] = value
            e.values.append((vt.value, value))
            nxt = value + 1
            if self.is_p(";") or self.is_p(","):
                self.next()
            elif not self.is_p("}"):
                self.err(self.peek(), f"expected ';' after {vt.value}")
        self.expect_p("}")
        self.opt_semicolon()
        self.s.enums[e.name] = e

    def int_atom(self, known, owner):
        t = self.next()
        neg = False
        if t.kind == "p" and t.value in "-+":
            neg = t.value == "-"
            t = self.next()
        if t.kind == "num":
            if re.fullmatch(r"0[xX][0-9a-fA-F]+|\d+", t.value) is None:
                self.err(t, f"{t.value} is not an integer")
            v = int(t.value, 0)
        elif t.kind == "char":
            v = ord(t.value)
        elif t.kind == "id":
            name = t.value
            if "." in name:
                name = name.split(".")[-1]
            if self.is_p(".") and name == owner:
                self.next()
                name = self.expect_id("a value name").value
            if name not in known:
                self.err(t, f"unknown value '{name}' in {owner}")
            v = known[name]
        else:
            self.err(t, f"expected a number, found {self.describe(t)}")
        return -v if neg else v

    def int_expr(self, known, owner):
        v = self.int_atom(known, owner)
        while self.is_p("|"):
            self.next()
            v |= self.int_atom(known, owner)
        return v

    # -- structs -------------------------------------------------------
    def struct(self, attrs, is_message, next_id):
        name = self.expect_id("a name")
        self.declared(name, name.value)
        type_id = next_id
        if self.is_p("("):
            self.next()
            t = self.next()
            if t.kind == "p" and t.value == "+":
                self.err(t, "relative struct ids are not supported")
            if t.kind != "num" or not t.value.isdigit() or int(t.value) == 0:
                self.err(t, "a struct id is a positive integer")
            type_id = int(t.value)
            self.expect_p(")")
        if self.is_p(":"):
            self.err(self.peek(), "struct inheritance is not supported")
        for other in self.s.structs:
            if other.type_id == type_id:
                self.err(name, f"type id {type_id} of {name.value} is already used by {other.name}")
        st = Struct(name.value, type_id, attrs, is_message, name.line)
        for a, arg, line in attrs:
            if a == "request":
                st.request = True
            elif a == "response":
                st.response = (arg, line)
            elif a == "reject":
                st.reject = (arg, line)
            else:
                raise FbeError(self.path, line, f"unknown struct attribute [{a}]")
            if a in ("response", "reject") and not arg:
                raise FbeError(self.path, line, f"[{a}] needs a message type: [{a}(Type)]")
        if (st.response or st.reject) and not st.request:
            self.err(name, f"{name.value} has [response]/[reject] but is not marked [request]")
        self.expect_p("{")
        names = set()
        offset = 8
        while not self.is_p("}"):
            fattrs = self.attrs()
            ftype = self.type_(st)
            fname = self.expect_id("a field name")
            if fname.value in names:
                self.err(fname, f"field '{fname.value}' is declared twice in {st.name}")
            names.add(fname.value)
            default = None
            if self.is_p("="):
                self.next()
                default = []
                while not self.is_p(";"):
                    if self.peek().kind == "eof" or self.is_p("}"):
                        self.err(self.peek(), "expected ';' after the default value")
                    default.append(self.next())
                if not default:
                    self.err(fname, "missing default value")
            self.expect_p(";")
            f = Field(fname.value, ftype, fattrs, default, fname.line)
            for a, arg, line in fattrs:
                if a not in ("id", "key"):
                    raise FbeError(self.path, line, f"unknown field attribute [{a}]")
                if arg:
                    raise FbeError(self.path, line, f"[{a}] takes no argument")
            f.offset = offset
            offset += ftype.size()
            if offset > 0xFFFFFFFF:
                self.err(fname, "struct too large")
            st.fields.append(f)
        self.expect_p("}")
        self.opt_semicolon()
        st.body = offset
        self.s.structs.append(st)
        self.s.by_name[st.name] = st
        return max(next_id, type_id) + 1

    def base_type(self, current, allow_self):
        t = self.expect_id("a type")
        name = t.value
        if self.is_p(".") and self.peek(1).kind == "id":
            self.err(t, "qualified type names (package.Type) are not supported")
        if name in PRIMITIVES:
            return Type("prim", name)
        if name in ("string", "bytes"):
            return Type(name, name)
        if name in self.s.enums:
            e = self.s.enums[name]
            return Type("flags" if e.is_flags else "enum", name, ref=e)
        if name in self.s.by_name:
            return Type("struct", name, ref=self.s.by_name[name])
        if name == current.name:
            if not allow_self:
                self.err(t, f"{name} cannot hold itself by value (only in a vector or map)")
            return Type("struct", name, ref=current)
        if name == "list" or name == "set":
            self.err(t, f"'{name}' is not a type: write T() for a list")
        self.err(t, f"unknown type '{name}' (types must be declared before use)")

    def type_(self, current):
        start = self.i
        if self.is_p("<"):
            # <K, V>: the map notation of troupe's issue; FBE writes V<K>.
            self.next()
            key = self.base_type(current, allow_self=True)
            self.expect_p(",")
            value = self.base_type(current, allow_self=True)
            if self.is_p("?"):
                self.next()
                value = Type("opt", inner=value)
            self.expect_p(">")
            t = Type("map", inner=value, key=key)
            if self.is_p("?") or self.is_p("[") or self.is_p("(") or self.is_p("<") or self.is_p("{"):
                self.err(self.peek(), "nested or optional collections are not supported")
            self.check_self(t, current, self.toks[start])
            return t
        # Self-reference is fine only as a direct element of a vector or map
        # (a pointer in C); find out what follows before deciding.
        t = self.base_type(current, allow_self=True)
        if self.is_p("?"):
            self.next()
            t = Type("opt", inner=t)
        if self.is_p("["):
            self.next()
            if self.is_p("]"):
                self.next()
                t = Type("vec", inner=t)
            else:
                n = self.next()
                if n.kind != "num" or not n.value.isdigit() or int(n.value) == 0:
                    self.err(n, "an array size is a positive integer")
                self.expect_p("]")
                t = Type("arr", inner=t, n=int(n.value))
        elif self.is_p("("):
            self.next()
            self.expect_p(")")
            t = Type("vec", inner=t)  # FBE list: the same bytes as a vector
        elif self.is_p("<") or self.is_p("{"):
            close = ">" if self.is_p("<") else "}"
            self.next()
            key = self.base_type(current, allow_self=True)
            if self.is_p("?"):
                self.err(self.peek(), "optional map keys are not supported")
            self.expect_p(close)
            t = Type("map", inner=t, key=key)
        if self.is_p("?"):
            self.err(self.peek(), "optional collections are not supported")
        if self.is_p("[") or self.is_p("(") or self.is_p("<"):
            self.err(self.peek(), "nested collections are not supported")
        self.check_self(t, current, self.toks[start])
        return t

    def check_self(self, t, current, tok):
        def by_value(x):
            if x.kind == "struct":
                return x.ref is current
            if x.kind in ("opt", "arr"):
                return by_value(x.inner)
            return False
        if t.kind == "vec":
            bad = t.inner.kind != "struct" and by_value(t.inner)
        elif t.kind == "map":
            bad = (t.inner.kind != "struct" and by_value(t.inner)) or (t.key.kind != "struct" and by_value(t.key))
        else:
            bad = by_value(t)
        if bad:
            self.err(tok, f"{current.name} cannot hold itself by value (only in a vector or map)")

    # -- cross references ----------------------------------------------
    def link(self):
        s = self.s
        for st in s.structs:
            ids = [f for f in st.fields if any(a == "id" for a, _, _ in f.attrs)]
            if len(ids) > 1:
                raise FbeError(s.path, ids[1].line, f"{st.name} has more than one [id] field")
            is_uuid = lambda f: f.type.kind == "prim" and f.type.name == "uuid"  # noqa: E731
            if not ids:  # FBE's own schemas mark the request id [key]
                ids = [f for f in st.fields if is_uuid(f) and any(a == "key" for a, _, _ in f.attrs)][:1]
            if not ids:
                ids = [f for f in st.fields if f.name == "id" and is_uuid(f)]
            if ids:
                if not (ids[0].type.kind == "prim" and ids[0].type.name == "uuid"):
                    raise FbeError(s.path, ids[0].line, "an [id] field must be a uuid")
                st.id_field = ids[0]
        for st in s.structs:
            for attr in ("response", "reject"):
                ref = getattr(st, attr)
                if not ref:
                    continue
                name, line = ref
                other = s.by_name.get(name)
                if not other:
                    raise FbeError(s.path, line, f"unknown {attr} type '{name}'")
                if not other.id_field:
                    raise FbeError(s.path, other.line, f"{name} is a {attr} but has no uuid [id] field")
                setattr(st, attr, other)
            if (st.response or st.reject) and not st.id_field:
                raise FbeError(s.path, st.line, f"request {st.name} has no uuid [id] field to match replies by")


def parse_file(path):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        raise FbeError(path, 0, str(e))
    except UnicodeDecodeError:
        raise FbeError(path, 0, "schema is not UTF-8")
    return Parser(path, text).parse()
