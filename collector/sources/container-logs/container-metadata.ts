// What a container's labels decide for its logs: whether they are collected at all (opt-out label,
// the selector), what its records say about it, and how its lines are assembled (multiline, JSON).
// Finding containers and reading their logs are elsewhere.
import type { Logger } from '../../../common/logger.ts';
import type { ContainerRef } from '../../../common/schema/index.ts';
import type { AssemblerOptions } from './message-assembler.ts';

const LABELS = {
  optOut: 'swarmscope.logs',
  multiline: 'swarmscope.multiline.pattern',
  multilineMaxLines: 'swarmscope.multiline.max_lines',
  json: 'swarmscope.json',
} as const;

/** A followed container: what its records carry, and how its messages are assembled. */
export type ContainerMeta = { ref: ContainerRef; tty: boolean; assembler: AssemblerOptions; json: boolean };

export type MetadataOptions = {
  maxMessageBytes: number;
  multilineMaxLines: number;
  multilineFlushMs: number;
  /** Only containers with this label (`key` or `key=value`); undefined = every container. */
  selector: string | undefined;
  log: Logger;
};

/** Its logs are collected: not opted out, and it matches the selector (if any). */
export function logsWanted(labels: Record<string, string>, selector: string | undefined): boolean {
  return labels[LABELS.optOut] !== 'false' && matchesSelector(labels, selector);
}

function matchesSelector(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  const eq = selector.indexOf('=');
  return eq === -1 ? selector in labels : labels[selector.slice(0, eq)] === selector.slice(eq + 1);
}

export function containerMeta(
  id: string,
  cfg: { name: string; image: string; tty: boolean },
  labels: Record<string, string>,
  opts: MetadataOptions,
): ContainerMeta {
  let pattern: RegExp | undefined;
  const src = labels[LABELS.multiline];
  if (src) {
    try {
      pattern = new RegExp(src);
    } catch {
      opts.log.warn({ container: id, pattern: src }, 'invalid multiline pattern label; lines are not merged');
    }
  }
  const maxLines = Number(labels[LABELS.multilineMaxLines]);
  return {
    ref: { id, name: cfg.name, image: cfg.image, labels },
    tty: cfg.tty,
    json: labels[LABELS.json] === 'true',
    assembler: {
      maxMessageBytes: opts.maxMessageBytes,
      multiline: pattern
        ? {
            pattern,
            maxLines: Number.isInteger(maxLines) && maxLines > 0 ? maxLines : opts.multilineMaxLines,
            flushTimeoutMs: opts.multilineFlushMs,
          }
        : undefined,
    },
  };
}
