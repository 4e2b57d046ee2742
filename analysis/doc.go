// Package analysis owns Cordon's static analysis of Python scripts: reading
// the source the way CPython does (BOM, PEP 263 coding cookie, NFKC
// identifiers), parsing with tree-sitter, a scope-aware resolver that follows
// imports, assignments and aliases to the real target of a call, and the
// rule set (stable ids CDNnnn, see [Rules] and docs/rules.md).
//
// Start with [Analyze]: it returns a [Report] whose findings carry rule id,
// severity, confidence, category, position, snippet and resolved target.
// [Report.Blocks] selects the findings that reach a block threshold. The
// analyzer fails closed: a file it cannot read as Python would (unknown
// codec, a parse that gives up, a time or size bound hit) yields a
// high-severity finding rather than a clean report.
//
// For many files (a directory, a command line), CollectPython finds the
// Python files and AnalyzeFiles analyses them with a pool of workers.
//
// Analyze is safe for concurrent use; tree-sitter parsers are pooled and
// every tree is closed before Analyze returns.
package analysis
