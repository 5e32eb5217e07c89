// json-file log records by the group a version 2 batch gives them (common/wire-v2.ts): the same
// container and node objects, stream, and origin source and file. What is kept per group (the batch
// encoder's group number, the Elasticsearch writer's document template) is found here, once per
// record, by identity: a version 2 batch's lines of one group share their container and node objects.
import type { ContainerRef, NodeRef } from './schema/index.ts';
import type { FileLog } from './wire-v2.ts';

type Entry<T> = { node: NodeRef; stream: string; source: string; file: string; value: T };

export class LogGroups<T> {
  /** Weak: a long-lived holder keeps nothing of a container whose records are gone. */
  private readonly byContainer = new WeakMap<ContainerRef, Entry<T>[]>();

  /**
   * The group found last: a batch's lines come group by group, so most lookups are this one (it
   * holds one container strongly until another is looked up).
   */
  private last: (Entry<T> & { container: ContainerRef }) | undefined;

  /** The value kept for r's group; undefined until one is set. */
  get(r: FileLog): T | undefined {
    const last = this.last;
    if (last?.container === r.container && same(last, r)) return last.value;
    const found = this.byContainer.get(r.container)?.find((x) => same(x, r));
    if (found) this.last = { ...found, container: r.container };
    return found?.value;
  }

  /** Keeps `value` for r's group (one with none yet) and gives it back. */
  set(r: FileLog, value: T): T {
    let list = this.byContainer.get(r.container);
    if (!list) this.byContainer.set(r.container, (list = []));
    list.push({ node: r.node, stream: r.stream, source: r.origin.source, file: r.origin.file, value });
    return value;
  }
}

function same<T>(x: Entry<T>, r: FileLog): boolean {
  return x.node === r.node && x.stream === r.stream && x.source === r.origin.source && x.file === r.origin.file;
}
