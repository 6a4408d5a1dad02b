/**
 * Terminal output: colour only on a TTY and never with NO_COLOR (https://no-color.org); progress via
 * listr2 on a TTY and plain lines otherwise (CI, pipes, log files).
 */
import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';

export interface Ui {
  readonly tty: boolean;
  readonly color: boolean;
  info(line: string): void;
  warn(line: string): void;
  /** Runs named steps with progress; each step gets `update(text)` for a live status line. */
  steps<C>(tasks: Array<{ title: string; run: (ctx: C, update: (text: string) => void) => Promise<void> }>, ctx: C): Promise<C>;
}

export function createUi(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Ui {
  const tty = Boolean(stream.isTTY) && env.CI !== 'true';
  const color = tty && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return {
    tty,
    color,
    info: (line) => stream.write(line + '\n'),
    warn: (line) => stream.write(paint(33, 'warning: ') + line + '\n'),
    async steps<C>(tasks: Array<{ title: string; run: (ctx: C, update: (text: string) => void) => Promise<void> }>, ctx: C): Promise<C> {
      const list: ListrTask[] = tasks.map((t) => ({
        title: t.title,
        task: async (c, task) => t.run(c as never, (text) => (task.output = text)),
      }));
      const output = new ProcessOutput(stream, stream);
      const runner = new Listr(list, {
        ctx: ctx as never,
        renderer: tty ? 'default' : 'simple',
        fallbackRenderer: 'simple',
        // Progress goes to the UI stream (stderr), never into stdout, which may carry a document.
        rendererOptions: { outputBar: 1, logger: new ListrLogger({ processOutput: output }) } as never,
        fallbackRendererOptions: { logger: new ListrLogger({ processOutput: output }) } as never,
        exitOnError: true,
        registerSignalListeners: false,
      });
      return (await runner.run()) as C;
    },
  };
}

/** Colour helper for stdout text that respects NO_COLOR and non-TTY. */
export function paint(text: string, code: number, stream: NodeJS.WriteStream = process.stdout): string {
  const on = Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}
