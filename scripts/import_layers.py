"""The import layers of the dnaexplain package, as CONTRIBUTING.md shows them.

A module's layer is 0 when it imports nothing from the package, else one more than the
highest layer it imports from; a subpackage counts as one module (its own modules' imports of
each other left out). Every arrow therefore points down: a module never imports from its own
layer or one above.

    python scripts/import_layers.py            # print the picture
    python scripts/import_layers.py --write    # replace it in CONTRIBUTING.md
"""

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "dnaexplain"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
START, END = "<!-- import layers: scripts/import_layers.py -->", "<!-- end of import layers -->"


def unit(path):
    """The module or subpackage a file belongs to: ``lrp``, ``data``, ..."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def graph():
    """Unit -> the units it imports from the package (at any depth of its code)."""
    edges = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE and path.stem in ("__init__", "__main__"):
            continue
        here = unit(path)
        # a module n folders below the package reaches its top with n + 1 dots
        depth = len(path.parent.relative_to(PACKAGE).parts)
        found = edges.setdefault(here, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            if node.level != depth + 1:
                continue  # a module inside the same subpackage
            names = [node.module] if node.module else [a.name for a in node.names]
            for name in names:
                target = name.split(".")[0]
                if target != here and (
                    (PACKAGE / f"{target}.py").is_file()
                    or (PACKAGE / target / "__init__.py").is_file()
                ):
                    found.add(target)
    return edges


def layers(edges):
    """Units grouped by layer, lowest first; ValueError on an import circle."""
    level, visiting = {}, set()

    def depth(name):
        if name in level:
            return level[name]
        if name in visiting:
            raise ValueError(f"import circle through {name}")
        visiting.add(name)
        level[name] = 1 + max((depth(d) for d in edges.get(name, ())), default=-1)
        visiting.discard(name)
        return level[name]

    for name in edges:
        depth(name)
    out = {}
    for name, k in level.items():
        out.setdefault(k, []).append(name)
    return [sorted(out[k]) for k in sorted(out)]


def picture():
    """The layers as a text block: top layer first, each unit with the units it imports."""
    edges = graph()
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}

    def shown(name):
        return f"{name}/" if name in packages else name

    lines = ["```text"]
    for k, names in reversed(list(enumerate(layers(edges)))):
        lines.append(f"layer {k}")
        for name in names:
            uses = ", ".join(shown(d) for d in sorted(edges[name]))
            lines.append(f"  {shown(name):14} {'-> ' + uses if uses else ''}".rstrip())
    lines.append("```")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update CONTRIBUTING.md")
    args = parser.parse_args(argv)
    block = picture()
    if not args.write:
        print(block)
        return 0
    text = CONTRIBUTING.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    CONTRIBUTING.write_text(f"{head}{START}\n{block}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
