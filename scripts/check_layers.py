#!/usr/bin/env python3
"""Checks that Gauntlet's folders are its dependency order.

Each folder below is a layer with a rank. A source file may include files
of its own layer and of layers with a lower rank, nothing else: no upward
include, and none sideways between two layers of the same rank (they do not
know each other). tests/, fuzz/ and bench/ stand outside the layers: they may
include anything, and nothing may include them. The same rule holds for
CMake: a library of a layer may link (target_link_libraries) or depend on
(add_dependencies) only targets of its own layer or of lower ones.

Usage:
  scripts/check_layers.py [SOURCE_DIR]   check the tree (default: the
                                         repository this script is in)
  scripts/check_layers.py --self-test    check that the checker catches an
                                         upward include, a sideways one and
                                         an upward link, in a synthetic tree

Prints one line per violation, "file:line: includes X (layer a) from layer
b", and exits 1 if there is any; exits 0 on a clean tree. Debian's python3
only. README.md ("Layout") states the same rule for people.
"""

import os
import re
import sys
import tempfile

# The layers, lowest first: (folder, rank). A folder holds its files and
# those of its subfolders, except subfolders that are layers of their own.
# `fake_servers` itself holds only its own files (behavior.h, transcript.h).
LAYERS = [
    # Status macros, escaping, bounded file reads, spelling, string views,
    # the TOML reader, the client contract.
    ("common", 0),
    # The SMTP protocol core; the TLS engine over wolfSSL. Siblings.
    ("smtp", 1),
    ("tls", 1),
    # The runtime test PKI; the reference client; server scripts and their
    # mutator (the pure core of `gauntlet fuzz`). Siblings.
    ("fake_servers/pki", 2),
    ("client", 2),
    ("fuzzing", 2),
    # The misbehaviour switches and the transcript (plain data).
    ("fake_servers", 3),
    # The scripted fake SMTP server.
    ("fake_servers/server", 4),
    # The man-in-the-middle relay (its legs are recorded like the server's).
    ("fake_servers/proxy", 5),
    ("harness/scenario", 6),
    ("harness/verdict", 7),
    ("harness/report", 8),
    ("harness/runner", 9),
    ("harness/proxy", 10),
    # The runner side of `gauntlet fuzz` (AFL++ coverage maps); a sibling
    # of harness/proxy.
    ("harness/fuzz", 10),
    ("harness/cli", 11),
]
# Folders whose own files (not subfolders) form the layer.
FILES_ONLY = {"fake_servers"}
# Narrower than the rank allows: a layer that may include only these files
# of a lower folder (the folder and its subfolders), nothing else there.
# The verdict judges from what the server recorded and nothing else: from
# fake_servers/ it may read the transcript only, not the misbehaviour
# switches (behavior.h), the PKI or the server (docs/how-gauntlet-decides.md).
ONLY_FROM = {
    ("harness/verdict", "fake_servers"): {"fake_servers/transcript.h"},
}
# Outside the layers: may include anything; nothing may include them.
UNLAYERED = ["tests", "fuzz", "bench"]
# Top-level folders of project code: an include whose path starts with one
# of them is project code and must resolve to a layer.
PROJECT_TOPS = sorted({f.split("/")[0] for f, _ in LAYERS} | set(UNLAYERED))
SOURCE_SUFFIXES = (".h", ".cc", ".in")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def layer_of(path):
    """(folder, rank) of a repository-relative path, None outside the
    layers, or "unmapped" for project code in no layer."""
    path = path.replace(os.sep, "/")
    directory = os.path.dirname(path)
    best = None
    for folder, rank in LAYERS:
        if folder in FILES_ONLY:
            matches = directory == folder
        else:
            matches = directory == folder or directory.startswith(folder + "/")
        if matches and (best is None or len(folder) > len(best[0])):
            best = (folder, rank)
    if best is not None:
        return best
    top = path.split("/")[0]
    if top in UNLAYERED:
        return None
    if top in PROJECT_TOPS:
        return "unmapped"
    return None


def allowed(source, target):
    return source[0] == target[0] or target[1] < source[1]


def describe(layer):
    if layer is None:
        return "outside the layers"
    return "%s, rank %d" % layer


def source_files(root):
    for top in PROJECT_TOPS:
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    full = os.path.join(dirpath, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/")


def check_includes(root):
    problems = []
    for rel in source_files(root):
        source = layer_of(rel)
        if source is None:
            continue  # tests/, fuzz/, bench/: anything goes.
        if source == "unmapped":
            problems.append(
                "%s:1: is in no layer (add its folder to LAYERS in "
                "scripts/check_layers.py)" % rel)
            continue
        with open(os.path.join(root, rel), encoding="utf-8",
                  errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                included = m.group(1)
                if included.split("/")[0] not in PROJECT_TOPS:
                    # A path relative to the including file is project code
                    # too; anything else is a system or third-party header.
                    local = os.path.join(os.path.dirname(rel), included)
                    if not os.path.isfile(os.path.join(root, local)):
                        continue
                    included = os.path.normpath(local).replace(os.sep, "/")
                target = layer_of(included)
                if target == "unmapped":
                    problems.append(
                        "%s:%d: includes %s, which is in no layer" %
                        (rel, number, included))
                elif target is None:
                    problems.append(
                        "%s:%d: includes %s (outside the layers) from layer "
                        "%s" % (rel, number, included, describe(source)))
                elif not allowed(source, target):
                    problems.append(
                        "%s:%d: includes %s (layer %s) from layer %s" %
                        (rel, number, included, describe(target),
                         describe(source)))
                else:
                    for (src, folder), only in ONLY_FROM.items():
                        if (source[0] == src and
                                (included.startswith(folder + "/")) and
                                included not in only):
                            problems.append(
                                "%s:%d: includes %s; layer %s may include "
                                "from %s/ only %s" %
                                (rel, number, included, src, folder,
                                 ", ".join(sorted(only))))
    return problems


# --- CMake ---------------------------------------------------------------

COMMAND_RE = re.compile(
    r"\b(add_library|add_executable|target_link_libraries|add_dependencies)"
    r"\s*\(([^()]*)\)", re.S)


def strip_cmake_comments(text):
    out = []
    for line in text.splitlines():
        quoted = False
        cut = len(line)
        for i, c in enumerate(line):
            if c == '"':
                quoted = not quoted
            elif c == "#" and not quoted:
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def cmake_files(root):
    for top in PROJECT_TOPS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            if "CMakeLists.txt" in filenames:
                full = os.path.join(dirpath, "CMakeLists.txt")
                yield os.path.relpath(full, root).replace(os.sep, "/")


def check_cmake(root):
    """Violations of the rule among our own targets, by where each target
    is defined."""
    defined = {}  # target -> (layer, file)
    uses = []  # (file, line, target, dependency)
    for rel in cmake_files(root):
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = strip_cmake_comments(f.read())
        for m in COMMAND_RE.finditer(text):
            command, args = m.group(1), m.group(2).split()
            if not args:
                continue
            line = text.count("\n", 0, m.start()) + 1
            if command in ("add_library", "add_executable"):
                defined[args[0]] = (layer_of(rel), rel)
            else:
                for dep in args[1:]:
                    uses.append((rel, line, args[0], dep))
    problems = []
    for rel, line, target, dep in uses:
        if target not in defined or dep not in defined:
            continue  # Not ours (absl::..., gauntlet_flags, GTest::...).
        source = defined[target][0]
        needed = defined[dep][0]
        if source is None or source == "unmapped":
            continue  # tests/, fuzz/, bench/ targets; unmapped is reported.
        if needed is None or needed == "unmapped" or not allowed(source,
                                                                 needed):
            problems.append(
                "%s:%d: %s (layer %s) links %s (layer %s, defined in %s)" %
                (rel, line, target, describe(source), dep,
                 describe(None if needed == "unmapped" else needed),
                 defined[dep][1]))
    return problems


def check(root):
    return check_includes(root) + check_cmake(root)


# --- Self-test -------------------------------------------------------------

def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def self_test():
    failures = []

    def expect(condition, what):
        if not condition:
            failures.append(what)

    with tempfile.TemporaryDirectory() as root:
        # A clean tree: own folder, lower layers, system headers, a test
        # that includes anything.
        write(root, "common/status.h", "#include <string>\n")
        write(root, "smtp/reply.h", '#include "common/status.h"\n'
              '#include "absl/strings/string_view.h"\n')
        write(root, "harness/report/report.h", '#include "smtp/reply.h"\n')
        write(root, "harness/verdict/verdict.h",
              '#include "harness/verdict/rules.h"\n')
        write(root, "harness/verdict/rules.h", "\n")
        write(root, "tests/verdict/verdict_test.cc",
              '#include "harness/cli/main.h"\n')
        write(root, "common/CMakeLists.txt",
              "add_library(gauntlet_common a.cc)\n")
        write(root, "smtp/CMakeLists.txt",
              "add_library(gauntlet_smtp a.cc)\n"
              "target_link_libraries(gauntlet_smtp\n"
              "  PUBLIC gauntlet_common absl::strings)\n")
        clean = check(root)
        expect(clean == [], "a clean tree has no violations: %r" % clean)

        # An upward include: verdict (7) includes report (8).
        write(root, "harness/verdict/verdict.h",
              '#include "harness/verdict/rules.h"\n'
              '#include "harness/report/report.h"\n')
        # A sideways one: smtp and tls share rank 1.
        write(root, "tls/engine.h", '#include "smtp/reply.h"\n')
        # The verdict reading the server's switches instead of the
        # transcript (allowed by rank, not by ONLY_FROM).
        write(root, "harness/verdict/observe.cc",
              '#include "fake_servers/transcript.h"\n'
              '#include "fake_servers/behavior.h"\n')
        # A library including the tests, and an unmapped folder.
        write(root, "client/main.cc", '#include "tests/util.h"\n')
        write(root, "harness/newpart/x.h", "\n")
        # An upward link: common links smtp.
        write(root, "common/CMakeLists.txt",
              "add_library(gauntlet_common a.cc)\n"
              "# target_link_libraries(gauntlet_common gauntlet_tls)\n"
              "target_link_libraries(gauntlet_common PUBLIC gauntlet_smtp)\n")
        found = check(root)
        expected = [
            "harness/verdict/verdict.h:2: includes harness/report/report.h "
            "(layer harness/report, rank 8) from layer harness/verdict, "
            "rank 7",
            "tls/engine.h:1: includes smtp/reply.h (layer smtp, rank 1) "
            "from layer tls, rank 1",
            "client/main.cc:1: includes tests/util.h (outside the layers) "
            "from layer client, rank 2",
            "harness/newpart/x.h:1: is in no layer",
            "harness/verdict/observe.cc:2: includes fake_servers/behavior.h;"
            " layer harness/verdict may include from fake_servers/ only "
            "fake_servers/transcript.h",
            "common/CMakeLists.txt:3: gauntlet_common (layer common, rank "
            "0) links gauntlet_smtp (layer smtp, rank 1",
        ]
        for e in expected:
            expect(any(p.startswith(e) for p in found),
                   "not reported: %s\n  got: %r" % (e, found))
        expect(len(found) == len(expected),
               "expected %d violations, got %r" % (len(expected), found))

    if failures:
        for f in failures:
            print("self-test FAILED: " + f)
        return 1
    print("self-test passed: upward, sideways and outside includes, an "
          "include ONLY_FROM forbids, an unmapped folder and an upward link "
          "are all reported")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..")
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print("%d layering violation(s); the rule: README.md, \"Layout\", "
              "and scripts/check_layers.py" % len(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
