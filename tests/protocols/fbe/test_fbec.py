"""tools/fbec: bad schemas give file:line errors, good ones generate code.

Run as: python3 test_fbec.py /path/to/tools/fbec  (registered with meson).
"""

import os
import subprocess
import sys
import tempfile
import unittest

FBEC = None
sys.dont_write_bytecode = True

HEAD = "package p\n"  # line 1

# (schema text, line the error must name, words the message must contain)
BAD = [
    ("struct A { int32 x; }\n", 1, "no package"),
    (HEAD + "struct A\n{\n    Nope x;\n}\n", 4, "unknown type 'Nope'"),
    (HEAD + "struct A {}\nstruct B : A {}\n", 3, "inheritance"),
    (HEAD + "import other;\n", 2, "import"),
    (HEAD + "/* open\n\n", 2, "unterminated comment"),
    (HEAD + "struct A {\n int32 x;\n int32 x;\n}\n", 4, "declared twice"),
    (HEAD + "struct A {\n int32 x = \"a\";\n}\n", 3, "must be a number"),
    (HEAD + "struct A {\n byte b = 256;\n}\n", 3, "does not fit"),
    (HEAD + "struct A {\n int32[]? x;\n}\n", 3, "optional collections"),
    (HEAD + "struct A {\n int32[][] x;\n}\n", 3, "nested collections"),
    (HEAD + "struct A {\n A inner;\n}\n", 3, "itself by value"),
    (HEAD + "struct A {\n A? inner;\n}\n", 3, "itself by value"),
    (HEAD + "[request]\n[response(Missing)]\nmessage Q { [id] uuid id; }\n", 3, "unknown response type"),
    (HEAD + "message R { uuid id; }\n[request]\n[response(R)]\nmessage Q { int32 n; }\n", 5, "no uuid [id] field"),
    (HEAD + "flags F {\n a = 1;\n b;\n}\n", 4, "needs an explicit value"),
    (HEAD + "[foo]\nstruct A {}\n", 2, "unknown struct attribute"),
    (HEAD + "struct A {\n [bar] int32 x;\n}\n", 3, "unknown field attribute"),
    (HEAD + "enum E : byte {\n a = 300;\n}\n", 3, "does not fit byte"),
    (HEAD + "enum E : string { a; }\n", 2, "cannot be the base type"),
    (HEAD + "struct A(5) {}\nstruct B(5) {}\n", 3, "already used"),
    (HEAD + "struct A {\n int32 x @ 1;\n}\n", 3, "unexpected character"),
    (HEAD + "struct A {\n bytes b = \"x\";\n}\n", 3, "not supported"),
    (HEAD + "struct A {\n decimal d = abc;\n}\n", 3, "must be a number"),
    (HEAD + "struct A {\n uuid u = \"not-a-uuid\";\n}\n", 3, "not a uuid"),
    (HEAD + "enum E { a; }\nstruct A {\n E e = E.b;\n}\n", 4, "no value 'b'"),
    (HEAD + "enum E { a; b; }\nstruct A {\n E e = E.a | E.b;\n}\n", 4, "only combines flags"),
    (HEAD + "struct A {\n int32 x = null;\n}\n", 3, "only a default of optional"),
    (HEAD + "struct A {\n string s\n}\n", 4, "expected ';'"),
    (HEAD + "struct A {\n int32[0] a;\n}\n", 3, "positive integer"),
    (HEAD + "struct A {}\nstruct A {}\n", 3, "already declared"),
    (HEAD + "struct A {\n string s = 'ab';\n}\n", 3, "exactly one character"),
    (HEAD + "package q\n", 2, "package declared twice"),
    (HEAD + "struct A {\n int32 x;\n", 4, "expected a type"),
    (HEAD + "widget W {}\n", 2, "unknown declaration"),
    (HEAD + "struct A {\n <int32 string> m;\n}\n", 3, "expected ','"),
    (HEAD + "struct A {\n <int32, string>[] m;\n}\n", 3, "nested or optional collections"),
]

GOOD = HEAD + """
domain a.b.c
version 1.2.3
enum E : uint8 { a = 'x'; b; }
flags F : int64 { one = 1; two = 2; both = one | two; }
struct S {
    [key] int32 k = -1;
    E e = E.b;
    F f = F.one | F.two;
    string?[3] names;
    S[] kids;
    double<S> by;
    <string, int32?> kv;
    char c = '\\n';
    int32 default = 1;
}
[request]
[response(R)]
message Q { [id] uuid id = uuid4; }
message R { [key] uuid rid; timestamp t = utc; }
"""


class FbecTest(unittest.TestCase):
    def run_fbec(self, text, name="schema.fbe"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            with open(path, "w") as fh:
                fh.write(text)
            out = os.path.join(tmp, "out")
            proc = subprocess.run([sys.executable, FBEC, "-o", out, path],
                                  capture_output=True, text=True, timeout=60)
            files = {}
            if os.path.isdir(out):
                for f in os.listdir(out):
                    with open(os.path.join(out, f)) as fh:
                        files[f] = fh.read()
            return proc, path, files

    def test_bad_schemas_name_file_and_line(self):
        for text, line, words in BAD:
            with self.subTest(words=words):
                proc, path, files = self.run_fbec(text)
                self.assertEqual(proc.returncode, 1, proc.stderr)
                self.assertIn(f"{path}:{line}: error: ", proc.stderr)
                self.assertIn(words, proc.stderr)
                self.assertEqual(files, {}, "nothing written for a bad schema")

    def test_missing_file(self):
        proc = subprocess.run([sys.executable, FBEC, "/nonexistent/x.fbe"], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("/nonexistent/x.fbe:0: error:", proc.stderr)

    def test_good_schema(self):
        proc, path, files = self.run_fbec(GOOD)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(sorted(files), ["p.c", "p.h"])
        h = files["p.h"]
        self.assertIn('#define P_VERSION "1.2.3"', h)
        self.assertIn('#define P_DOMAIN "a.b.c"', h)
        self.assertIn("#define p_S_TYPE 1u", h)
        self.assertIn("#define p_Q_TYPE 2u", h)
        self.assertIn("#define p_E_a ((p_E)120)", h)
        self.assertIn("int32_t default_;", h, "C keywords get a trailing underscore")
        self.assertIn("p_client_request_Q", h)
        self.assertNotIn("p_client_request_R", h)
        self.assertIn("p_map_string_opt_int32 kv;", h, "<K,V> is V<K>")
        self.assertIn("&msg->rid", files["p.c"], "a [key] uuid matches replies")
        # Deterministic output.
        proc2, _, files2 = self.run_fbec(GOOD)
        self.assertEqual(files, files2)

    def test_real_schemas(self):
        root = os.path.dirname(os.path.dirname(os.path.abspath(FBEC)))
        for rel in ("proto/simple.fbe", "tests/protocols/fbe/alltypes.fbe"):
            with open(os.path.join(root, rel)) as fh:
                proc, _, files = self.run_fbec(fh.read(), os.path.basename(rel))
            self.assertEqual(proc.returncode, 0, proc.stderr)


if __name__ == "__main__":
    FBEC = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "fbec")
    unittest.main(verbosity=1)
