/** Test helper: reads a function's docstring off the project's tree-sitter parse (what Python would take as `f.__doc__`'s source). */
import { findAll, parsePython } from '../../src/diagnose/python/parser.ts';

/** The first statement of function `name`'s body, as written, when it is a string standing alone (its docstring); else null. */
export async function docstringOf(text: string, name: string): Promise<string | null> {
  const { tree } = await parsePython(text);
  try {
    const fn = findAll(tree.rootNode, 'function_definition').find((n) => n.childForFieldName('name')?.text === name);
    const first = fn?.childForFieldName('body')?.namedChildren.find((n) => n?.type !== 'comment');
    const value = first?.type === 'expression_statement' && first.namedChildCount === 1 ? first.namedChildren[0] : null;
    return value && (value.type === 'string' || value.type === 'concatenated_string') ? value.text : null;
  } finally {
    tree.delete();
  }
}
