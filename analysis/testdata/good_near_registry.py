"""Exporters register themselves by subclassing."""
import abc


class Exporter(abc.ABC):
    name = ""

    @abc.abstractmethod
    def render(self, rows) -> str: ...

    @classmethod
    def registry(cls):
        found = {}
        stack = list(Exporter.__subclasses__())
        while stack:
            sub = stack.pop()
            stack.extend(sub.__subclasses__())
            if sub.name:
                found[sub.name] = sub
        return found


class CSV(Exporter):
    name = "csv"

    def render(self, rows) -> str:
        return "\n".join(",".join(map(str, r)) for r in rows)


class TSV(CSV):
    name = "tsv"

    def render(self, rows) -> str:
        return "\n".join("\t".join(map(str, r)) for r in rows)


if __name__ == "__main__":
    print(sorted(Exporter.registry()))
