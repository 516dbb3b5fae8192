/**
 * Lines to a stream, written together once per turn of the event loop. A busy `chd start` prints a
 * line for every request; one write each costs more than serving the request when the stream is a
 * terminal. flush() writes what waits now (before a line that must not be overtaken, or an error);
 * whatever is left when the process exits is written then.
 */
export class LineWriter {
  private pending: string[] = []

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    process.on('exit', () => this.flush())
  }

  line(text: string): void {
    if (this.pending.length === 0) setImmediate(() => this.flush())
    this.pending.push(text)
  }

  flush(): void {
    if (this.pending.length === 0) return
    const text = `${this.pending.join('\n')}\n`
    this.pending = []
    this.stream.write(text)
  }
}
