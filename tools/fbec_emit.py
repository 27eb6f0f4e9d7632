"""Writes the C header and source for one parsed .fbe schema (tools/fbec).

Layout follows FBE's standard (non-final) model; see include/troupe/fbe.h.
Every type used by a field gets a family of static helpers named after its
mangled name (put_/get_/init_/free_/eq_/print_), so composite types nest by
calling each other and recursive schemas need no special case.
"""

import re
from decimal import Decimal, InvalidOperation

from fbec_parse import INTEGER_RANGES, PRIMITIVES, FbeError


def c_string(text):
    """A C string literal for arbitrary text (bytes of its UTF-8 form)."""
    out = ['"']
    prev_hex = False
    for b in text.encode("utf-8"):
        ch = chr(b)
        if ch in '"\\':
            out.append("\\" + ch)
            prev_hex = False
        elif 0x20 <= b < 0x7F and not (prev_hex and ch in "0123456789abcdefABCDEF"):
            out.append(ch)
            prev_hex = False
        else:
            out.append("\\x%02x" % b)
            prev_hex = True
    out.append('"')
    return "".join(out)


def c_int(value, ctype):
    if ctype in ("int64_t",):
        if value == -2**63:
            return "(-INT64_C(9223372036854775807) - 1)"
        return f"INT64_C({value})"
    if ctype in ("uint64_t",):
        return f"UINT64_C({value})"
    if ctype == "int32_t" and value == -2**31:
        return "(-2147483647 - 1)"
    if ctype in ("uint32_t",):
        return f"{value}u"
    return str(value)


class Emitter:
    def __init__(self, schema):
        self.s = schema
        self.p = schema.package
        self.types = {}  # mangle -> Type, in dependency order
        for st in schema.structs:
            for f in st.fields:
                self.collect(f.type)
        for st in schema.structs:
            self.struct_type(st)  # every root needs its struct helpers

    def err(self, line, msg):
        raise FbeError(self.s.path, line, msg)

    def collect(self, t):
        for sub in (t.key, t.inner):
            if sub is not None:
                self.collect(sub)
        if t.kind != "arr":
            self.types.setdefault(t.mangle(), t)

    # -- names ---------------------------------------------------------
    def ctype(self, t):
        if t.kind == "prim":
            return PRIMITIVES[t.name][0]
        if t.kind == "string":
            return "tr_fbe_string"
        if t.kind == "bytes":
            return "tr_fbe_bytes"
        if t.kind in ("enum", "flags", "struct", "opt", "vec", "map"):
            return f"{self.p}_{t.mangle()}"
        raise AssertionError(t.kind)

    def fn(self, op, t):
        return f"{self.p}_{op}_{t.mangle()}"

    # -- default values ------------------------------------------------
    def default_code(self, f, t, lvalue, toks):
        """C statements giving lvalue the default written in the schema."""
        line = toks[0].line
        text = " ".join(str(x.value) for x in toks)
        if t.kind == "opt":
            if len(toks) == 1 and toks[0].kind == "id" and toks[0].value == "null":
                return [f"{lvalue}.has = false;"]
            return [f"{lvalue}.has = true;"] + self.default_code(f, t.inner, lvalue + ".value", toks)
        if len(toks) == 1 and toks[0].kind == "id" and toks[0].value == "null":
            self.err(line, f"null is only a default of optional fields ('{f.name}')")
        if t.kind == "string":
            if len(toks) != 1 or toks[0].kind != "str":
                self.err(line, f"default of string field '{f.name}' must be a string literal")
            v = toks[0].value
            return [f"tr_fbe_string_set(&{lvalue}, {c_string(v)}, {len(v.encode('utf-8'))});"]
        if t.kind in ("enum", "flags"):
            e = t.ref
            values = dict(e.values)
            ctype = PRIMITIVES[e.base][0]
            total = 0
            parts = self.split_or(toks)
            if t.kind == "enum" and len(parts) > 1:
                self.err(line, f"'|' only combines flags, and {e.name} is an enum")
            for part in parts:
                names = [x.value for x in part if x.kind == "id"]
                if len(part) == 1 and part[0].kind == "num":
                    total |= self.integer(part, e.base, f)
                    continue
                if names and names[0] == e.name and len(part) == 3 and part[1].kind == "p" and part[1].value == ".":
                    vname = names[1]
                elif len(part) == 1 and part[0].kind == "id":
                    vname = part[0].value
                else:
                    self.err(line, f"bad default '{text}' for {e.name} field '{f.name}'")
                if vname not in values:
                    self.err(line, f"{e.name} has no value '{vname}'")
                total |= values[vname]
            return [f"{lvalue} = ({self.ctype(t)}){c_int(total, ctype)};"]
        if t.kind != "prim":
            self.err(line, f"default values are not supported for field '{f.name}' of this type")
        name = t.name
        if name == "bool":
            if len(toks) == 1 and toks[0].kind == "id" and toks[0].value in ("true", "false"):
                return [f"{lvalue} = {toks[0].value};"]
            self.err(line, f"default of bool field '{f.name}' must be true or false")
        if name == "uuid":
            if len(toks) == 1 and toks[0].kind == "id" and toks[0].value in ("uuid0", "uuid1", "uuid4"):
                call = {"uuid0": "tr_fbe_uuid_nil", "uuid1": "tr_fbe_uuid_sequential",
                        "uuid4": "tr_fbe_uuid_random"}[toks[0].value]
                return [f"{call}(&{lvalue});" if call == "tr_fbe_uuid_nil" else f"(void){call}(&{lvalue});"]
            if len(toks) == 1 and toks[0].kind == "str":
                m = re.fullmatch(r"\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?",
                                 toks[0].value)
                if not m:
                    self.err(line, f"'{toks[0].value}' is not a uuid")
                raw = bytes.fromhex("".join(m.groups()))
                init = ", ".join("0x%02x" % b for b in raw)
                return [f"{{ static const uint8_t u[16] = {{{init}}}; memcpy({lvalue}.bytes, u, 16); }}"]
            self.err(line, f"default of uuid field '{f.name}' must be uuid0, uuid1, uuid4 or a uuid string")
        if name == "timestamp" and len(toks) == 1 and toks[0].kind == "id":
            if toks[0].value == "epoch":
                return [f"{lvalue} = 0;"]
            if toks[0].value in ("utc", "now"):
                return [f"{lvalue} = tr_fbe_timestamp_now();"]
            self.err(line, f"default of timestamp field '{f.name}' must be epoch, utc or a number")
        if name == "decimal":
            lo, hi, flags = self.decimal(toks, f)
            return [f"{lvalue}.lo = UINT64_C({lo}); {lvalue}.hi = {hi}u; {lvalue}.flags = {flags}u;"]
        if name in ("float", "double"):
            neg, num = self.signed_number(toks, f)
            try:
                val = float(num.value if num.kind == "num" else "x")
            except ValueError:
                self.err(line, f"default of {name} field '{f.name}' must be a number")
            if neg:
                val = -val
            lit = repr(val)
            return [f"{lvalue} = {lit}{'f' if name == 'float' else ''};"]
        if name in ("char", "wchar") and len(toks) == 1 and toks[0].kind == "char":
            v = ord(toks[0].value)
            if name == "char" and v > 255:
                self.err(line, f"'{toks[0].value}' does not fit a char")
            return [f"{lvalue} = ({PRIMITIVES[name][0]}){v};"]
        v = self.integer(toks, name, f)
        return [f"{lvalue} = ({PRIMITIVES[name][0]}){c_int(v, PRIMITIVES[name][0])};"]

    @staticmethod
    def split_or(toks):
        parts, cur = [], []
        for x in toks:
            if x.kind == "p" and x.value == "|":
                parts.append(cur)
                cur = []
            else:
                cur.append(x)
        parts.append(cur)
        return parts

    def signed_number(self, toks, f):
        neg = False
        if len(toks) == 2 and toks[0].kind == "p" and toks[0].value in "-+":
            neg = toks[0].value == "-"
            toks = toks[1:]
        if len(toks) != 1 or toks[0].kind != "num":
            self.err(toks[0].line, f"default of field '{f.name}' must be a number")
        return neg, toks[0]

    def integer(self, toks, base, f):
        neg, num = self.signed_number(toks, f)
        if re.fullmatch(r"0[xX][0-9a-fA-F]+|\d+", num.value) is None:
            self.err(num.line, f"default of {base} field '{f.name}' must be an integer")
        v = int(num.value, 0)
        v = -v if neg else v
        lo, hi = INTEGER_RANGES.get(base, (-2**63, 2**64 - 1))
        if not lo <= v <= hi:
            self.err(num.line, f"default {v} does not fit {base} field '{f.name}'")
        return v

    def decimal(self, toks, f):
        neg, num = self.signed_number(toks, f)
        try:
            d = Decimal(num.value if not num.value.lower().startswith("0x") else str(int(num.value, 16)))
        except InvalidOperation:
            self.err(num.line, f"bad decimal default for '{f.name}'")
        sign, digits, exp = d.as_tuple()
        m = int("".join(map(str, digits))) if digits else 0
        scale = -exp if exp < 0 else 0
        if exp > 0:
            m *= 10 ** exp
        while scale > 28:
            m = (m + 5) // 10
            scale -= 1
        if m >= 2**96:
            self.err(num.line, f"decimal default of '{f.name}' is out of range")
        flags = (scale << 16) | (0x80000000 if neg and m else 0)
        return m & (2**64 - 1), m >> 64, flags

    # -- header --------------------------------------------------------
    def header(self):
        p, s = self.p, self.s
        P = p.upper()
        o = []
        o.append(f"/* Generated by tools/fbec from {s.path.split('/')[-1]}: do not edit. */")
        o.append(f"#ifndef TROUPE_FBE_{P}_H\n#define TROUPE_FBE_{P}_H\n")
        o.append("#include <stdbool.h>\n#include <stdint.h>\n#include <stdio.h>\n")
        o.append('#include "troupe/fbe.h"\n')
        o.append('#ifdef __cplusplus\nextern "C" {\n#endif\n')
        o.append(f'#define {P}_PACKAGE "{p}"')
        o.append(f'#define {P}_DOMAIN {c_string(s.domain or "")}')
        o.append(f'#define {P}_VERSION {c_string(s.version or "")}\n')
        for st in s.structs:
            o.append(f"#define {p}_{st.name}_TYPE {st.type_id}u")
        o.append("")
        for st in s.structs:
            o.append(f"typedef struct {p}_{st.name} {p}_{st.name};")
        o.append("")
        for e in s.enums.values():
            base = PRIMITIVES[e.base][0]
            what = "Flags" if e.is_flags else "Enum"
            o.append(f"/* {what} {e.name} : {e.base} */")
            o.append(f"typedef {base} {p}_{e.name};")
            for name, v in e.values:
                o.append(f"#define {p}_{e.name}_{name} (({p}_{e.name}){c_int(v, base)})")
            o.append(f"/* The value's name, or NULL when it has none. */")
            o.append(f"const char *{p}_{e.name}_name({p}_{e.name} v);\n")
        emitted = set()
        for st in s.structs:
            for f in st.fields:
                self.emit_typedefs(f.type, emitted, o)
            o.append(f"struct {p}_{st.name} {{")
            for f in st.fields:
                if f.type.kind == "arr":
                    o.append(f"  {self.ctype(f.type.inner)} {f.cname}[{f.type.n}];")
                else:
                    o.append(f"  {self.ctype(f.type)} {f.cname};")
            if not st.fields:
                o.append("  char unused_; /* C wants at least one member */")
            o.append("};\n")
        for st in s.structs:
            n = f"{p}_{st.name}"
            o.append(f"/* {st.name} (type {st.type_id}, {st.body} bytes of fixed fields) */")
            o.append(f"void {n}_init({n} *v);")
            o.append(f"void {n}_free({n} *v);")
            o.append(f"int {n}_encode(const {n} *v, tr_fbe_buffer *b);")
            o.append(f"int {n}_decode({n} *v, const uint8_t *frame, size_t size);")
            o.append(f"bool {n}_equal(const {n} *a, const {n} *b);")
            o.append(f"void {n}_write(const {n} *v, tr_fbe_out *o);")
            o.append(f"int {n}_print(const {n} *v, FILE *f);")
            o.append(f"int {n}_format(const {n} *v, char *buf, size_t n);")
            o.append(f"/* {n}_encode behind the generic signature of tr_fbe_encode_fn. */")
            o.append(f"int {n}_encode_any(const void *v, tr_fbe_buffer *b);\n")
        o.append(self.proto_header())
        o.append('#ifdef __cplusplus\n}\n#endif\n#endif')
        return "\n".join(o) + "\n"

    def emit_typedefs(self, t, emitted, o):
        for sub in (t.key, t.inner):
            if sub is not None:
                self.emit_typedefs(sub, emitted, o)
        if t.kind not in ("opt", "vec", "map"):
            return
        m = t.mangle()
        if m in emitted:
            return
        emitted.add(m)
        name = f"{self.p}_{m}"
        if t.kind == "opt":
            o.append(f"typedef struct {name} {{ bool has; {self.ctype(t.inner)} value; }} {name};")
        elif t.kind == "vec":
            o.append(f"typedef struct {name} {{ {self.ctype(t.inner)} *items; size_t count; }} {name};")
        else:
            o.append(f"typedef struct {name} {{ {self.ctype(t.key)} *keys; {self.ctype(t.inner)} *values; size_t count; }} {name};")

    def messages(self):
        m = [st for st in self.s.structs if st.is_message]
        return m or list(self.s.structs)

    def proto_header(self):
        p = self.p
        msgs = self.messages()
        o = ["/* ---- protocol ---- */\n"]
        o.append(f"/* Typed callbacks for received messages. Return 0 to go on; a negative")
        o.append(f" * code stops the receiver (the session closes with that reason). */")
        o.append(f"typedef struct {p}_handlers {{")
        for st in msgs:
            o.append(f"  int (*on_{st.name})(void *ctx, const {p}_{st.name} *msg);")
        o.append(f"  /* A frame of a type not listed above; NULL rejects it (TR_EPROTO). */")
        o.append(f"  int (*on_unknown)(void *ctx, uint32_t type, const uint8_t *frame, size_t size);")
        o.append(f"}} {p}_handlers;\n")
        o.append(f"/* Decodes one whole frame and calls its handler. TR_EPROTO when malformed. */")
        o.append(f"int {p}_dispatch(const {p}_handlers *h, void *ctx, const uint8_t *frame, size_t size);\n")
        o.append(f"typedef struct {p}_receiver {{")
        o.append(f"  tr_fbe_receiver rx;")
        o.append(f"  const {p}_handlers *h;")
        o.append(f"  void *ctx;")
        o.append(f"}} {p}_receiver;\n")
        o.append(f"void {p}_receiver_init({p}_receiver *r, size_t max_frame, const {p}_handlers *h, void *ctx);")
        o.append(f"void {p}_receiver_free({p}_receiver *r);")
        o.append(f"/* See tr_fbe_receiver_feed: 0, or the error that stopped the receiver. */")
        o.append(f"int {p}_receiver_feed({p}_receiver *r, const void *data, size_t size);\n")
        for st in msgs:
            o.append(f"int {p}_send_{st.name}(tr_fbe_sender *s, const {p}_{st.name} *msg);")
        o.append("")
        o.append(f"/* A client session's protocol state: the sender, a receiver that hands")
        o.append(f" * responses and rejects to the requests waiting for them (by id) and")
        o.append(f" * everything else to the handlers, and the table of pending requests. */")
        o.append(f"typedef struct {p}_client {{")
        o.append(f"  tr_fbe_sender sender;")
        o.append(f"  {p}_receiver receiver;")
        o.append(f"  tr_fbe_client table;")
        o.append(f"  const {p}_handlers *h;")
        o.append(f"  void *ctx;")
        o.append(f"}} {p}_client;\n")
        o.append(f"/* A client's handling of one whole frame: a response or reject whose id")
        o.append(f" * is pending in table completes that request; anything else goes to the")
        o.append(f" * handlers, as {p}_dispatch. TR_EPROTO when malformed. For transports")
        o.append(f" * that keep their own receiver and table (troupe/fbe_session.h). */")
        o.append(f"int {p}_client_dispatch(tr_fbe_client *table, const {p}_handlers *h, void *ctx, const uint8_t *frame,")
        o.append(f"{' ' * (len(p) + 22)}size_t size);\n")
        o.append(f"void {p}_client_init({p}_client *c, tr_fbe_sink_fn sink, void *sink_ctx, const {p}_handlers *h, void *ctx,")
        o.append(f"{' ' * (len(p) + 18)}size_t max_frame, uint64_t default_timeout_ms);")
        o.append(f"/* Fails what is pending with TR_ECANCELED and frees everything. */")
        o.append(f"void {p}_client_free({p}_client *c);")
        o.append(f"int {p}_client_feed({p}_client *c, const void *data, size_t size);")
        o.append(f"/* Times out requests whose deadline (tr_fbe_now_ms clock) has passed. */")
        o.append(f"size_t {p}_client_tick({p}_client *c, uint64_t now_ms);")
        o.append(f"/* Fails every pending request with TR_ECANCELED (disconnect). */")
        o.append(f"size_t {p}_client_reset({p}_client *c);")
        for st in msgs:
            o.append(f"int {p}_client_send_{st.name}({p}_client *c, const {p}_{st.name} *msg);")
        for st in msgs:
            if st.response or st.reject:
                idf = st.id_field.cname
                o.append(f"/* Sends a {st.name} (a nil {idf} gets a fresh uuid) and waits for its")
                o.append(f" * {' or '.join(x.name for x in (st.response, st.reject) if x)} by {idf}: see tr_fbe_client_add for cb,")
                o.append(f" * timeout_ms and the future (NULL when future is NULL; else the caller")
                o.append(f" * owns one reference). */")
                o.append(f"int {p}_client_request_{st.name}({p}_client *c, {p}_{st.name} *msg, uint64_t timeout_ms,")
                o.append(f"{' ' * (len(p) + 24 + len(st.name))}tr_fbe_reply_cb cb, void *cb_ctx, tr_future **future);")
        o.append("")
        return "\n".join(o)

    # -- source --------------------------------------------------------
    def source(self, header_name):
        p, s = self.p, self.s
        o = [f"/* Generated by tools/fbec from {s.path.split('/')[-1]}: do not edit. */"]
        o.append("#include <stdlib.h>\n#include <string.h>\n")
        o.append('#include "troupe/error.h"')
        o.append(f'#include "{header_name}"\n')
        # prototypes first: helpers of recursive schemas call each other
        for t in self.types.values():
            ct = self.ctype(t)
            # Not every helper of a type is needed (free of an int32...).
            u = "__attribute__((unused)) static inline"
            o.append(f"{u} int {self.fn('put', t)}(tr_fbe_buffer *b, size_t base, size_t off, const {ct} *v);")
            o.append(f"{u} int {self.fn('get', t)}(tr_fbe_reader *r, size_t base, size_t off, {ct} *v);")
            o.append(f"{u} void {self.fn('free', t)}({ct} *v);")
            o.append(f"{u} bool {self.fn('eq', t)}(const {ct} *a, const {ct} *b);")
            o.append(f"{u} void {self.fn('print', t)}(tr_fbe_out *o, const {ct} *v);")
        for st in s.structs:
            o.append(f"static void {p}_{st.name}_defaults({p}_{st.name} *v);")
        for st in s.structs:
            o.append(f"static int {p}_{st.name}_get_fields(tr_fbe_reader *r, size_t at, size_t size, {p}_{st.name} *v);")
        o.append("")
        for e in s.enums.values():
            o.append(self.enum_source(e))
        for t in self.types.values():
            o.append(self.helpers(t))
        for st in s.structs:
            o.append(self.struct_source(st))
        o.append(self.proto_source())
        return "\n".join(o) + "\n"

    def enum_source(self, e):
        p = self.p
        n = f"{p}_{e.name}"
        o = [f"const char *{n}_name({n} v) {{"]
        o.append("  switch (v) {")
        seen = set()
        for name, v in e.values:
            if v in seen:
                continue
            seen.add(v)
            o.append(f"  case {n}_{name}: return \"{name}\";")
        o.append("  default: return NULL;\n  }\n}\n")
        return "\n".join(o)

    def helpers(self, t):
        k = t.kind
        ct = self.ctype(t)
        put, get, free, eq, prn = (self.fn(x, t) for x in ("put", "get", "free", "eq", "print"))
        o = []
        # put
        o.append(f"static inline int {put}(tr_fbe_buffer *b, size_t base, size_t off, const {ct} *v) {{")
        o += ["  " + x for x in self.put_body(t)]
        o.append("}\n")
        # get: *v is zeroed (or freed) on entry
        o.append(f"static inline int {get}(tr_fbe_reader *r, size_t base, size_t off, {ct} *v) {{")
        o += ["  " + x for x in self.get_body(t)]
        o.append("}\n")
        # free
        o.append(f"static inline void {free}({ct} *v) {{")
        o += ["  " + x for x in self.free_body(t)]
        o.append("}\n")
        # eq
        o.append(f"static inline bool {eq}(const {ct} *a, const {ct} *b) {{")
        o += ["  " + x for x in self.eq_body(t)]
        o.append("}\n")
        # print
        o.append(f"static inline void {prn}(tr_fbe_out *o, const {ct} *v) {{")
        o += ["  " + x for x in self.print_body(t)]
        o.append("}\n")
        return "\n".join(o)

    STORE = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}

    def put_body(self, t):
        k = t.kind
        slot = "b->data + base + off"
        if k == "prim" or k in ("enum", "flags"):
            name = t.name if k == "prim" else t.ref.base
            if name == "bool":
                return [f"tr_fbe_store_u8({slot}, *v ? 1 : 0);", "return 0;"]
            if name == "float":
                return [f"tr_fbe_store_f32({slot}, *v);", "return 0;"]
            if name == "double":
                return [f"tr_fbe_store_f64({slot}, *v);", "return 0;"]
            if name == "uuid":
                return [f"memcpy({slot}, v->bytes, 16);", "return 0;"]
            if name == "decimal":
                return [f"tr_fbe_store_u64({slot}, v->lo);", f"tr_fbe_store_u32({slot} + 8, v->hi);",
                        f"tr_fbe_store_u32({slot} + 12, v->flags);", "return 0;"]
            size = PRIMITIVES[name][1]
            w = self.STORE[size]
            return [f"tr_fbe_store_{w}({slot}, (uint{size * 8}_t)*v);", "return 0;"]
        if k == "string":
            return ["return tr_fbe_put_blob(b, base, off, v->data, v->size);"]
        if k == "bytes":
            return ["return tr_fbe_put_blob(b, base, off, v->data, v->size);"]
        if k == "struct":
            st = t.ref
            o = ["size_t at;",
                 f"int rc = tr_fbe_put_struct(b, base, off, {st.body}u, {self.p}_{st.name}_TYPE, &at);"]
            for f in st.fields:
                o.append("if (rc) return rc;")
                o += self.field_put(f, "at", f"v->{f.cname}")
            o.append("return rc;")
            return o
        if k == "opt":
            isz = t.inner.size()
            return ["size_t at = 0;",
                    f"int rc = tr_fbe_put_optional(b, base, off, v->has, {isz}, &at);",
                    "if (rc || !v->has) return rc;",
                    f"return {self.fn('put', t.inner)}(b, at, 0, &v->value);"]
        if k == "vec":
            isz = t.inner.size()
            return ["size_t at;",
                    f"int rc = tr_fbe_put_block(b, base, off, v->count, {isz}, &at);",
                    "for (size_t i = 0; !rc && i < v->count; i++)",
                    f"  rc = {self.fn('put', t.inner)}(b, base, at - base + 4 + i * {isz}, &v->items[i]);",
                    "return rc;"]
        if k == "map":
            ks, vs = t.key.size(), t.inner.size()
            return ["size_t at;",
                    f"int rc = tr_fbe_put_block(b, base, off, v->count, {ks + vs}, &at);",
                    "for (size_t i = 0; !rc && i < v->count; i++) {",
                    f"  rc = {self.fn('put', t.key)}(b, base, at - base + 4 + i * {ks + vs}, &v->keys[i]);",
                    f"  if (!rc) rc = {self.fn('put', t.inner)}(b, base, at - base + 4 + i * {ks + vs} + {ks}, &v->values[i]);",
                    "}",
                    "return rc;"]
        raise AssertionError(k)

    def get_body(self, t):
        k = t.kind
        slot = "r->data + base + off"
        if k == "prim" or k in ("enum", "flags"):
            name = t.name if k == "prim" else t.ref.base
            if name == "bool":
                return [f"*v = tr_fbe_load_u8({slot}) != 0;", "return 0;"]
            if name == "float":
                return [f"*v = tr_fbe_load_f32({slot});", "return 0;"]
            if name == "double":
                return [f"*v = tr_fbe_load_f64({slot});", "return 0;"]
            if name == "uuid":
                return [f"memcpy(v->bytes, {slot}, 16);", "return 0;"]
            if name == "decimal":
                return [f"v->lo = tr_fbe_load_u64({slot});", f"v->hi = tr_fbe_load_u32({slot} + 8);",
                        f"v->flags = tr_fbe_load_u32({slot} + 12);", "return 0;"]
            size = PRIMITIVES[name][1]
            return [f"*v = ({self.ctype(t)})tr_fbe_load_{self.STORE[size]}({slot});", "return 0;"]
        if k == "string":
            return ["return tr_fbe_get_string(r, base, off, v);"]
        if k == "bytes":
            return ["return tr_fbe_get_bytes(r, base, off, v);"]
        if k == "struct":
            st = t.ref
            return ["size_t at, size;",
                    f"int rc = tr_fbe_reader_struct(r, base, off, {self.p}_{st.name}_TYPE, &at, &size);",
                    "if (rc) return rc;",
                    "r->depth++;",
                    f"rc = {self.p}_{st.name}_get_fields(r, at, size, v);",
                    "r->depth--;",
                    "return rc;"]
        if k == "opt":
            isz = t.inner.size()
            return ["size_t at = 0;",
                    "bool has;",
                    f"int rc = tr_fbe_reader_optional(r, base, off, {isz}, &has, &at);",
                    "if (rc || !has) return rc;",
                    "v->has = true;",
                    f"return {self.fn('get', t.inner)}(r, at, 0, &v->value);"]
        if k == "vec":
            isz = t.inner.size()
            ict = self.ctype(t.inner)
            return ["size_t at, n;",
                    f"int rc = tr_fbe_reader_block(r, base, off, {isz}, &at, &n);",
                    "if (rc || !n) return rc;",
                    f"v->items = calloc(n, sizeof({ict}));",
                    "if (!v->items) return TR_ENOMEM;",
                    "v->count = n;",
                    "for (size_t i = 0; !rc && i < n; i++)",
                    f"  rc = {self.fn('get', t.inner)}(r, base, at - base + 4 + i * {isz}, &v->items[i]);",
                    "return rc;"]
        if k == "map":
            ks, vs = t.key.size(), t.inner.size()
            return ["size_t at, n;",
                    f"int rc = tr_fbe_reader_block(r, base, off, {ks + vs}, &at, &n);",
                    "if (rc || !n) return rc;",
                    f"v->keys = calloc(n, sizeof({self.ctype(t.key)}));",
                    f"v->values = calloc(n, sizeof({self.ctype(t.inner)}));",
                    "v->count = n;",
                    "if (!v->keys || !v->values) return TR_ENOMEM;",
                    "for (size_t i = 0; !rc && i < n; i++) {",
                    f"  rc = {self.fn('get', t.key)}(r, base, at - base + 4 + i * {ks + vs}, &v->keys[i]);",
                    f"  if (!rc) rc = {self.fn('get', t.inner)}(r, base, at - base + 4 + i * {ks + vs} + {ks}, &v->values[i]);",
                    "}",
                    "return rc;"]
        raise AssertionError(k)

    def needs_free(self, t):
        if t.kind in ("string", "bytes", "vec", "map", "struct"):
            return True
        if t.kind in ("opt", "arr"):
            return self.needs_free(t.inner)
        return False

    def free_body(self, t):
        k = t.kind
        if k == "string":
            return ["tr_fbe_string_free(v);"]
        if k == "bytes":
            return ["tr_fbe_bytes_free(v);"]
        if k == "struct":
            return [f"{self.p}_{t.ref.name}_free(v);"]
        if k == "opt":
            o = []
            if self.needs_free(t.inner):
                o.append(f"if (v->has) {self.fn('free', t.inner)}(&v->value);")
            o.append("memset(v, 0, sizeof *v);")
            return o
        if k == "vec":
            o = []
            if self.needs_free(t.inner):
                o.append(f"for (size_t i = 0; v->items && i < v->count; i++) {self.fn('free', t.inner)}(&v->items[i]);")
            o += ["free(v->items);", "v->items = NULL;", "v->count = 0;"]
            return o
        if k == "map":
            o = []
            if self.needs_free(t.key):
                o.append(f"for (size_t i = 0; v->keys && i < v->count; i++) {self.fn('free', t.key)}(&v->keys[i]);")
            if self.needs_free(t.inner):
                o.append(f"for (size_t i = 0; v->values && i < v->count; i++) {self.fn('free', t.inner)}(&v->values[i]);")
            o += ["free(v->keys);", "free(v->values);", "v->keys = NULL;", "v->values = NULL;", "v->count = 0;"]
            return o
        return ["(void)v;"]

    def eq_body(self, t):
        k = t.kind
        if k in ("prim", "enum", "flags"):
            name = t.name if k == "prim" else t.ref.base
            if name == "uuid":
                return ["return tr_fbe_uuid_equal(a, b);"]
            if name == "decimal":
                return ["return tr_fbe_decimal_equal(a, b);"]
            if name in ("float", "double"):
                return ["return memcmp(a, b, sizeof *a) == 0; /* bitwise: NaN equals itself */"]
            if name == "bool":
                return ["return !*a == !*b;"]
            return ["return *a == *b;"]
        if k == "string":
            return ["return tr_fbe_string_equal(a, b);"]
        if k == "bytes":
            return ["return tr_fbe_bytes_equal(a, b);"]
        if k == "struct":
            return [f"return {self.p}_{t.ref.name}_equal(a, b);"]
        if k == "opt":
            return ["if (a->has != b->has) return false;",
                    f"return !a->has || {self.fn('eq', t.inner)}(&a->value, &b->value);"]
        if k == "vec":
            return ["if (a->count != b->count) return false;",
                    "for (size_t i = 0; i < a->count; i++)",
                    f"  if (!{self.fn('eq', t.inner)}(&a->items[i], &b->items[i])) return false;",
                    "return true;"]
        if k == "map":
            return ["if (a->count != b->count) return false;",
                    "for (size_t i = 0; i < a->count; i++)",
                    f"  if (!{self.fn('eq', t.key)}(&a->keys[i], &b->keys[i]) || !{self.fn('eq', t.inner)}(&a->values[i], &b->values[i])) return false;",
                    "return true;"]
        raise AssertionError(k)

    PRINTF = {"int8_t": ("%d", "int"), "uint8_t": ("%u", "unsigned"), "int16_t": ("%d", "int"),
              "uint16_t": ("%u", "unsigned"), "int32_t": ("%d", "int"), "uint32_t": ("%u", "unsigned"),
              "int64_t": ("%lld", "long long"), "uint64_t": ("%llu", "unsigned long long")}

    def print_body(self, t):
        k = t.kind
        if k == "prim":
            name = t.name
            if name == "bool":
                return ['tr_fbe_out_printf(o, "%s", *v ? "true" : "false");']
            if name == "char":
                return ["unsigned char c = (unsigned char)*v;",
                        "if (c >= 0x20 && c < 0x7f && c != '\\'' && c != '\\\\') tr_fbe_out_printf(o, \"'%c'\", c);",
                        "else tr_fbe_out_printf(o, \"%u\", c);"]
            if name == "float":
                return ['tr_fbe_out_printf(o, "%.9g", (double)*v);']
            if name == "double":
                return ['tr_fbe_out_printf(o, "%.17g", *v);']
            if name == "uuid":
                return ["tr_fbe_out_uuid(o, v);"]
            if name == "decimal":
                return ["tr_fbe_out_decimal(o, v);"]
            fmt, cast = self.PRINTF[PRIMITIVES[name][0]]
            return [f'tr_fbe_out_printf(o, "{fmt}", ({cast})*v);']
        if k == "enum":
            fmt, cast = self.PRINTF[PRIMITIVES[t.ref.base][0]] if t.ref.base != "char" else ("%u", "unsigned")
            return [f"const char *name = {self.p}_{t.ref.name}_name(*v);",
                    'if (name) tr_fbe_out_printf(o, "%s", name);',
                    f'else tr_fbe_out_printf(o, "<unknown>{fmt}", ({cast})*v);']
        if k == "flags":
            base = PRIMITIVES[t.ref.base][0]
            fmt, cast = self.PRINTF[base] if t.ref.base != "char" else ("%u", "unsigned")
            o = ["bool first = true;", f"{base} rest = ({base})*v;"]
            for name, val in t.ref.values:
                if val == 0:
                    continue
                o.append(f"if ((*v & {c_int(val, base)}) == {c_int(val, base)}) {{ tr_fbe_out_printf(o, \"%s{name}\", first ? \"\" : \"|\"); first = false; rest &= ({base})~{c_int(val, base)}; }}")
            o.append(f'if (rest || first) tr_fbe_out_printf(o, "%s{fmt}", first ? "" : "|", ({cast})rest);')
            return o
        if k == "string":
            return ["tr_fbe_out_quoted(o, tr_fbe_string_cstr(v), v->size);"]
        if k == "bytes":
            return ["tr_fbe_out_bytes(o, v->data, v->size);"]
        if k == "struct":
            return [f"{self.p}_{t.ref.name}_write(v, o);"]
        if k == "opt":
            return ['if (!v->has) { tr_fbe_out_raw(o, "null", 4); return; }',
                    f"{self.fn('print', t.inner)}(o, &v->value);"]
        if k == "vec":
            return ['tr_fbe_out_printf(o, "[%zu][", v->count);',
                    "for (size_t i = 0; i < v->count; i++) {",
                    '  if (i) tr_fbe_out_raw(o, ",", 1);',
                    f"  {self.fn('print', t.inner)}(o, &v->items[i]);",
                    "}",
                    'tr_fbe_out_raw(o, "]", 1);']
        if k == "map":
            return ['tr_fbe_out_printf(o, "[%zu]<", v->count);',
                    "for (size_t i = 0; i < v->count; i++) {",
                    '  tr_fbe_out_raw(o, i ? ",{" : "{", i ? 2 : 1);',
                    f"  {self.fn('print', t.key)}(o, &v->keys[i]);",
                    '  tr_fbe_out_raw(o, "->", 2);',
                    f"  {self.fn('print', t.inner)}(o, &v->values[i]);",
                    '  tr_fbe_out_raw(o, "}", 1);',
                    "}",
                    'tr_fbe_out_raw(o, ">", 1);']
        raise AssertionError(k)

    # -- per-field code inside a struct --------------------------------
    def field_put(self, f, at, lv):
        t = f.type
        if t.kind == "arr":
            isz = t.inner.size()
            return [f"for (size_t i = 0; !rc && i < {t.n}; i++)",
                    f"  rc = {self.fn('put', t.inner)}(b, {at}, {f.offset} + i * {isz}, &{lv}[i]);"]
        return [f"rc = {self.fn('put', t)}(b, {at}, {f.offset}, &{lv});"]

    def field_get(self, f, lv):
        t = f.type
        if t.kind == "arr":
            isz = t.inner.size()
            return [f"for (size_t i = 0; !rc && i < {t.n}; i++)",
                    f"  rc = {self.fn('get', t.inner)}(r, at, {f.offset} + i * {isz}, &{lv}[i]);"]
        return [f"rc = {self.fn('get', t)}(r, at, {f.offset}, &{lv});"]

    def field_init(self, f, lv):
        """Default of one field, assuming it is zeroed."""
        t = f.type
        if f.default is not None:
            if t.kind == "arr":
                return [f"for (size_t i = 0; i < {t.n}; i++) {{"] + \
                       ["  " + x for x in self.default_code(f, t.inner, f"{lv}[i]", f.default)] + ["}"]
            return self.default_code(f, t, lv, f.default)
        if t.kind == "struct":
            return [f"{self.p}_{t.ref.name}_defaults(&{lv});"]
        if t.kind == "arr" and t.inner.kind == "struct":
            return [f"for (size_t i = 0; i < {t.n}; i++) {self.p}_{t.inner.ref.name}_defaults(&{lv}[i]);"]
        return []

    def struct_source(self, st):
        p = self.p
        n = f"{p}_{st.name}"
        o = []
        # init
        # defaults of a zeroed struct (parents zero their children already)
        o.append(f"static void {n}_defaults({n} *v) {{")
        body = []
        for f in st.fields:
            body += ["  " + x for x in self.field_init(f, f"v->{f.cname}")]
        o += body or ["  (void)v;"]
        o.append("}\n")
        o.append(f"void {n}_init({n} *v) {{")
        o.append("  memset(v, 0, sizeof *v);")
        o.append(f"  {n}_defaults(v);")
        o.append("}\n")
        # free
        o.append(f"void {n}_free({n} *v) {{")
        for f in st.fields:
            t = f.type
            if not self.needs_free(t):
                continue
            if t.kind == "arr":
                o.append(f"  for (size_t i = 0; i < {t.n}; i++) {self.fn('free', t.inner)}(&v->{f.cname}[i]);")
            else:
                o.append(f"  {self.fn('free', t)}(&v->{f.cname});")
        o.append("  memset(v, 0, sizeof *v);")
        o.append("}\n")
        # fields decoder: a field outside struct_size takes its default
        o.append(f"static int {n}_get_fields(tr_fbe_reader *r, size_t at, size_t size, {n} *v) {{")
        o.append("  int rc = 0;")
        if not st.fields:
            o.append("  (void)r; (void)at; (void)size; (void)v;")
        for f in st.fields:
            o.append(f"  if (size >= {f.offset + f.type.size()}u) {{")
            o += ["    " + x for x in self.field_get(f, f"v->{f.cname}")]
            o.append("    if (rc) return rc;")
            init = self.field_init(f, f"v->{f.cname}")
            if init:
                o.append("  } else {")
                o += ["    " + x for x in init]
            o.append("  }")
        o.append("  return rc;")
        o.append("}\n")
        # encode / decode
        o.append(f"int {n}_encode(const {n} *v, tr_fbe_buffer *b) {{")
        o.append("  if (!v || !b) return TR_EINVAL;")
        o.append("  size_t start, keep = b->size;")
        o.append("  int rc = tr_fbe_frame_begin(b, &start);")
        o.append(f"  if (!rc) rc = {self.fn('put', self.struct_type(st))}(b, start, 4, v);")
        o.append("  if (!rc) rc = tr_fbe_frame_end(b, start);")
        o.append("  if (rc < 0) b->size = keep; /* no half-written frame */")
        o.append("  return rc;")
        o.append("}\n")
        o.append(f"int {n}_decode({n} *v, const uint8_t *frame, size_t size) {{")
        o.append("  if (!v) return TR_EINVAL;")
        o.append("  memset(v, 0, sizeof *v);")
        o.append("  tr_fbe_reader r;")
        o.append("  int rc = tr_fbe_reader_init(&r, frame, size);")
        o.append(f"  if (!rc) rc = {self.fn('get', self.struct_type(st))}(&r, 0, 4, v);")
        o.append(f"  if (rc) {n}_free(v);")
        o.append("  return rc;")
        o.append("}\n")
        # equal
        o.append(f"bool {n}_equal(const {n} *a, const {n} *b) {{")
        for f in st.fields:
            t = f.type
            if t.kind == "arr":
                o.append(f"  for (size_t i = 0; i < {t.n}; i++)")
                o.append(f"    if (!{self.fn('eq', t.inner)}(&a->{f.cname}[i], &b->{f.cname}[i])) return false;")
            else:
                o.append(f"  if (!{self.fn('eq', t)}(&a->{f.cname}, &b->{f.cname})) return false;")
        if not st.fields:
            o.append("  (void)a; (void)b;")
        o.append("  return true;")
        o.append("}\n")
        # write / print / format
        o.append(f"void {n}_write(const {n} *v, tr_fbe_out *o) {{")
        o.append(f'  tr_fbe_out_raw(o, "{st.name}(", {len(st.name) + 1});')
        for i, f in enumerate(st.fields):
            label = ("," if i else "") + f.name + "="
            o.append(f'  tr_fbe_out_raw(o, "{label}", {len(label)});')
            t = f.type
            if t.kind == "arr":
                o.append(f'  tr_fbe_out_raw(o, "[{t.n}][", {len(str(t.n)) + 3});')
                o.append(f"  for (size_t i = 0; i < {t.n}; i++) {{")
                o.append('    if (i) tr_fbe_out_raw(o, ",", 1);')
                o.append(f"    {self.fn('print', t.inner)}(o, &v->{f.cname}[i]);")
                o.append("  }")
                o.append('  tr_fbe_out_raw(o, "]", 1);')
            else:
                o.append(f"  {self.fn('print', t)}(o, &v->{f.cname});")
        o.append('  tr_fbe_out_raw(o, ")", 1);')
        o.append("}\n")
        o.append(f"int {n}_print(const {n} *v, FILE *f) {{")
        o.append("  tr_fbe_out o = tr_fbe_out_file(f);")
        o.append(f"  {n}_write(v, &o);")
        o.append("  return o.len > INT32_MAX ? INT32_MAX : (int)o.len;")
        o.append("}\n")
        o.append(f"int {n}_format(const {n} *v, char *buf, size_t n) {{")
        o.append("  tr_fbe_out o = tr_fbe_out_buffer(buf, n);")
        o.append(f"  {n}_write(v, &o);")
        o.append("  return o.len > INT32_MAX ? INT32_MAX : (int)o.len;")
        o.append("}\n")
        # heap helpers for replies and the generic sender
        o.append(f"__attribute__((unused)) static void {n}_destroy(void *p) {{")
        o.append(f"  {n}_free(p);")
        o.append("  free(p);")
        o.append("}\n")
        o.append(f"int {n}_encode_any(const void *v, tr_fbe_buffer *b) {{")
        o.append(f"  return {n}_encode(v, b);")
        o.append("}\n")
        return "\n".join(o)

    def struct_type(self, st):
        from fbec_parse import Type
        t = Type("struct", st.name, ref=st)
        if t.mangle() not in self.types:
            self.types[t.mangle()] = t
        return t

    # -- protocol ------------------------------------------------------
    def proto_source(self):
        p = self.p
        msgs = self.messages()
        o = []
        o.append(f"int {p}_dispatch(const {p}_handlers *h, void *ctx, const uint8_t *frame, size_t size) {{")
        o.append("  uint32_t type;")
        o.append("  int rc = tr_fbe_frame_type(frame, size, &type);")
        o.append("  if (rc) return rc;")
        o.append("  switch (type) {")
        for st in msgs:
            n = f"{p}_{st.name}"
            o.append(f"  case {n}_TYPE: {{")
            o.append(f"    {n} msg;")
            o.append(f"    rc = {n}_decode(&msg, frame, size);")
            o.append("    if (rc) return rc;")
            o.append(f"    if (h && h->on_{st.name}) rc = h->on_{st.name}(ctx, &msg);")
            o.append(f"    {n}_free(&msg);")
            o.append("    return rc;")
            o.append("  }")
        o.append("  default:")
        o.append("    return h && h->on_unknown ? h->on_unknown(ctx, type, frame, size) : TR_EPROTO;")
        o.append("  }")
        o.append("}\n")
        o.append(f"static int {p}_receiver_frame(void *arg, const uint8_t *frame, size_t size) {{")
        o.append(f"  {p}_receiver *r = arg;")
        o.append(f"  int rc = {p}_dispatch(r->h, r->ctx, frame, size);")
        o.append("  if (rc == TR_EPROTO) {")
        o.append("    uint32_t type = 0;")
        o.append("    if (tr_fbe_frame_type(frame, size, &type) == 0)")
        o.append(f'      tr_fbe_receiver_fail(&r->rx, rc, "malformed or unknown {p} frame (type %u, %zu bytes)", type, size);')
        o.append("    else")
        o.append(f'      tr_fbe_receiver_fail(&r->rx, rc, "malformed {p} frame header (%zu bytes)", size);')
        o.append("  }")
        o.append("  return rc;")
        o.append("}\n")
        o.append(f"void {p}_receiver_init({p}_receiver *r, size_t max_frame, const {p}_handlers *h, void *ctx) {{")
        o.append(f"  tr_fbe_receiver_init(&r->rx, max_frame, {p}_receiver_frame, r);")
        o.append("  r->h = h;")
        o.append("  r->ctx = ctx;")
        o.append("}\n")
        o.append(f"void {p}_receiver_free({p}_receiver *r) {{ tr_fbe_receiver_free(&r->rx); }}\n")
        o.append(f"int {p}_receiver_feed({p}_receiver *r, const void *data, size_t size) {{")
        o.append("  return tr_fbe_receiver_feed(&r->rx, data, size);")
        o.append("}\n")
        for st in msgs:
            n = f"{p}_{st.name}"
            o.append(f"int {p}_send_{st.name}(tr_fbe_sender *s, const {n} *msg) {{")
            o.append(f"  return tr_fbe_sender_send(s, {n}_encode_any, msg);")
            o.append("}\n")
        # client: replies first, then everything else to the handlers
        replies = {}
        for st in msgs:
            for attr, rejected in (("response", False), ("reject", True)):
                other = getattr(st, attr)
                if other:
                    replies.setdefault(other.name, (other, rejected))
        o.append(f"int {p}_client_dispatch(tr_fbe_client *table, const {p}_handlers *h, void *ctx, const uint8_t *frame,")
        o.append(f"{' ' * (len(p) + 22)}size_t size) {{")
        if replies:
            o.append("  uint32_t type;")
            o.append("  int rc = tr_fbe_frame_type(frame, size, &type);")
            o.append("  if (rc) goto malformed;")
            o.append("  switch (type) {")
            for other, rejected in replies.values():
                n = f"{p}_{other.name}"
                idf = other.id_field.cname
                o.append(f"  case {n}_TYPE: {{")
                o.append(f"    {n} *msg = malloc(sizeof *msg);")
                o.append("    if (!msg) return TR_ENOMEM;")
                o.append(f"    rc = {n}_decode(msg, frame, size);")
                o.append("    if (rc) {")
                o.append("      free(msg);")
                o.append("      goto malformed;")
                o.append("    }")
                o.append(f"    if (tr_fbe_client_has(table, &msg->{idf})) {{")
                o.append("      tr_fbe_reply *reply = malloc(sizeof *reply);")
                o.append("      if (!reply) {")
                o.append(f"        {n}_destroy(msg);")
                o.append("        return TR_ENOMEM;")
                o.append("      }")
                o.append(f"      reply->type = type;")
                o.append(f"      reply->rejected = {'true' if rejected else 'false'};")
                o.append("      reply->message = msg;")
                o.append(f"      reply->free_fn = {n}_destroy;")
                o.append(f"      tr_fbe_uuid id = msg->{idf};")
                o.append("      tr_fbe_client_complete(table, &id, reply);")
                o.append("      return 0;")
                o.append("    }")
                o.append("    /* Nobody waits for it (timed out, or unsolicited): the handler's. */")
                o.append(f"    rc = h && h->on_{other.name} ? h->on_{other.name}(ctx, msg) : 0;")
                o.append(f"    {n}_destroy(msg);")
                o.append("    return rc;")
                o.append("  }")
            o.append("  default:")
            o.append("    break;")
            o.append("  }")
        o.append(f"  {{")
        o.append(f"    int drc = {p}_dispatch(h, ctx, frame, size);")
        o.append("    if (drc != TR_EPROTO) return drc;")
        o.append("  }")
        if replies:
            o.append("malformed:")
        o.append("  return TR_EPROTO;")
        o.append("}\n")
        o.append(f"static int {p}_client_frame(void *arg, const uint8_t *frame, size_t size) {{")
        o.append(f"  {p}_client *c = arg;")
        o.append(f"  int rc = {p}_client_dispatch(&c->table, c->h, c->ctx, frame, size);")
        o.append("  if (rc == TR_EPROTO)")
        o.append(f'    tr_fbe_receiver_fail(&c->receiver.rx, TR_EPROTO, "malformed or unknown {p} frame (%zu bytes)", size);')
        o.append("  return rc;")
        o.append("}\n")
        o.append(f"void {p}_client_init({p}_client *c, tr_fbe_sink_fn sink, void *sink_ctx, const {p}_handlers *h, void *ctx,")
        o.append(f"{' ' * (len(p) + 18)}size_t max_frame, uint64_t default_timeout_ms) {{")
        o.append("  tr_fbe_sender_init(&c->sender, sink, sink_ctx);")
        o.append(f"  {p}_receiver_init(&c->receiver, max_frame, h, ctx);")
        o.append(f"  tr_fbe_receiver_init(&c->receiver.rx, max_frame, {p}_client_frame, c);")
        o.append("  tr_fbe_client_init(&c->table, default_timeout_ms);")
        o.append("  c->h = h;")
        o.append("  c->ctx = ctx;")
        o.append("}\n")
        o.append(f"void {p}_client_free({p}_client *c) {{")
        o.append("  tr_fbe_client_free(&c->table);")
        o.append(f"  {p}_receiver_free(&c->receiver);")
        o.append("  tr_fbe_sender_free(&c->sender);")
        o.append("}\n")
        o.append(f"int {p}_client_feed({p}_client *c, const void *data, size_t size) {{")
        o.append("  return tr_fbe_receiver_feed(&c->receiver.rx, data, size);")
        o.append("}\n")
        o.append(f"size_t {p}_client_tick({p}_client *c, uint64_t now_ms) {{ return tr_fbe_client_tick(&c->table, now_ms); }}\n")
        o.append(f"size_t {p}_client_reset({p}_client *c) {{ return tr_fbe_client_reset(&c->table); }}\n")
        for st in msgs:
            n = f"{p}_{st.name}"
            o.append(f"int {p}_client_send_{st.name}({p}_client *c, const {n} *msg) {{")
            o.append(f"  return tr_fbe_sender_send(&c->sender, {n}_encode_any, msg);")
            o.append("}\n")
        for st in msgs:
            if not (st.response or st.reject):
                continue
            n = f"{p}_{st.name}"
            idf = st.id_field.cname
            o.append(f"int {p}_client_request_{st.name}({p}_client *c, {n} *msg, uint64_t timeout_ms,")
            o.append(f"{' ' * (len(p) + 24 + len(st.name))}tr_fbe_reply_cb cb, void *cb_ctx, tr_future **future) {{")
            o.append("  if (!c || !msg) return TR_EINVAL;")
            o.append("  if (future) *future = NULL;")
            o.append(f"  if (tr_fbe_uuid_is_nil(&msg->{idf})) {{")
            o.append(f"    int urc = tr_fbe_uuid_sequential(&msg->{idf});")
            o.append("    if (urc) return urc;")
            o.append("  }")
            o.append("  tr_future *f = NULL;")
            o.append("  if (future) {")
            o.append("    f = tr_future_new();")
            o.append("    if (!f) return TR_ENOMEM;")
            o.append("  }")
            o.append("  /* Registered before sending: a reply may arrive within the send. */")
            o.append(f"  int rc = tr_fbe_client_add(&c->table, &msg->{idf}, tr_fbe_now_ms(), timeout_ms, cb, cb_ctx, f);")
            o.append("  if (!rc) {")
            o.append(f"    rc = tr_fbe_sender_send(&c->sender, {n}_encode_any, msg);")
            o.append("    if (rc < 0)")
            o.append(f"      tr_fbe_client_remove(&c->table, &msg->{idf});")
            o.append("  }")
            o.append("  if (rc < 0) {")
            o.append("    if (f) tr_future_release(f);")
            o.append("    return rc;")
            o.append("  }")
            o.append("  if (future) *future = f;")
            o.append("  return 0;")
            o.append("}\n")
        return "\n".join(o)
