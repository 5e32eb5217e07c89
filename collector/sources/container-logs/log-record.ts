// Turns an assembled message of a followed container into the LogRecord shipped for it, with an id
// that is the same whenever the same line is read again (node, container, file identity and offset,
// or the API cursor's time and index). Reading and shipping are elsewhere.
import { prefixedIds, recordId, type IdScheme, type PrefixedIds } from '../../../common/record-id.ts';
import type { LogRecord, NodeRef } from '../../../common/schema/index.ts';
import { markEscapeFree } from '../../../common/escape-free.ts';
import type { ContainerMeta } from './container-metadata.ts';
import type { Message } from './message-assembler.ts';

/** How a json-file line's file is named in its id (json-file-tailer.ts): its identity, and the scheme of its ids. */
export type FileNaming = { identity(key: string, offset: number): string; idScheme(key: string): IdScheme };

/** Counted while building records: messages cut at the size bound, JSON-labelled messages that did not parse. */
export type RecordCounts = { truncated: number; jsonErrors: number };

export class LogRecordBuilder {
  private readonly node: () => NodeRef;
  private readonly counts: RecordCounts;
  /** The ids of the last file record's prefix (node, 'log', container, file), made once per file rather than per line. */
  private last: { node: string; container: string; file: string; scheme: IdScheme; ids: PrefixedIds } = {
    node: '',
    container: '',
    file: '',
    scheme: 'ordered',
    ids: prefixedIds([], 'ordered'),
  };

  constructor(node: () => NodeRef, counts: RecordCounts) {
    this.node = node;
    this.counts = counts;
  }

  /** A message read from a json-file generation, named as `naming` (the tailer that read it) names its file. */
  fromFile(meta: ContainerMeta, m: Message, naming: FileNaming): LogRecord {
    const fileIdentity = naming.identity(m.file, m.offset);
    const scheme = naming.idScheme(m.file);
    const node = this.nodeKey();
    const last = this.last;
    if (last.node !== node || last.container !== meta.ref.id || last.file !== fileIdentity || last.scheme !== scheme)
      this.last = {
        node,
        container: meta.ref.id,
        file: fileIdentity,
        scheme,
        ids: prefixedIds([node, 'log', meta.ref.id, fileIdentity], scheme),
      };
    return this.build(meta, m, 'json-file', this.last.ids.of(m.offset));
  }

  /** A message read through the Engine API; `index` counts lines at its timestamp. */
  fromApi(meta: ContainerMeta, m: Message & { index: number }): LogRecord {
    return this.build(meta, m, 'api', recordId(this.nodeKey(), 'log', meta.ref.id, 'api', m.time, m.index));
  }

  private nodeKey(): string {
    const n = this.node();
    return n.id || n.hostname;
  }

  private build(meta: ContainerMeta, m: Message, source: 'json-file' | 'api', id: string): LogRecord {
    const r: LogRecord = {
      kind: 'log',
      id,
      time: m.time,
      node: this.node(),
      container: meta.ref,
      stream: m.stream,
      message: m.text,
      origin: source === 'api' ? { source } : { source, file: m.file, offset: m.offset },
    };
    if (m.escapeFree) markEscapeFree(r);
    if (m.truncated) {
      r.truncated = true;
      r.originalLength = m.originalLength;
      this.counts.truncated++;
    }
    if (m.lines !== undefined && m.lines > 1) r.multiline = { lines: m.lines };
    if (m.partialLost) r.flags = ['partial_lost'];
    if (meta.json && m.text.startsWith('{')) {
      try {
        const v = JSON.parse(m.text) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) r.json = v as Record<string, unknown>;
      } catch {
        this.counts.jsonErrors++;
      }
    }
    return r;
  }
}
