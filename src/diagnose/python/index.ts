/**
 * Reading Python agent code (tree-sitter-python), the Python 2.7 compile check (a real 2.7 compiler
 * or the parser-level rules; one-shot or a kept-running session) and Plex's RestrictedPython naming
 * rules. Import from here rather than the individual files.
 */
export { parsePython, pythonParser, walk, findAll, ancestor, lineOf, endLineOf, maskPython2, type ParsedSource, type SyntaxNode, type SyntaxTree } from './parser.ts';
export {
  checkPython27,
  selectPy27Checker,
  parserPy27Checker,
  interpreterPy27Checker,
  probePython27,
  PY27_CANDIDATES,
  type Py27Checker,
  type Py27CheckerInfo,
  type Py27FileResult,
  type Py27Report,
  type Py27SelectOptions,
  type PythonSource,
  type ProbeResult,
} from './py27.ts';
export { persistentPy27Checker, selectPy27Session, type Py27Session } from './py27-session.ts';
export { checkPy27Syntax, PY27_RULES, type Py27Issue, type Py27Rule } from './py27-rules.ts';
export { checkPy27Indentation, logicalLines, py2Column, commentTabSize, treeSitterIndentation, type LogicalLine } from './py27-indent.ts';
export { checkNaming, checkNamingChange, checkNamingTree, changedLines, isRestrictedPath, NAMING_RULES, type NamingRule, type NamingBasis, type NamingViolation } from './naming.ts';
export { nodeProcessRunner, nodeLineProcessSpawner, type ProcessRunner, type ProcessResult, type LineProcess, type LineProcessSpawner } from './process.ts';
export { classifyUse, usesAfter, callSites, callResultUses, expressionKind, targetNames, isBinding, within, EMPTY_VALUES, type EmptyValue, type NameUse } from './uses.ts';
