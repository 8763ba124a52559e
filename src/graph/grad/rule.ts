import type { Node, Value } from "../ir.js";

/**
 * A reverse-mode rule: given a forward node and the gradients of the loss with respect to its outputs
 * (null where an output does not reach the loss), emits nodes computing the gradients with respect to
 * its inputs. `needs[i]` says whether input i leads back to a trainable value; rules return null for
 * the others so no unused backward work is emitted.
 */
export interface GradArgs {
  node: Node;
  dy: readonly (Value | null)[];
  needs: readonly boolean[];
}

export type GradRule = (args: GradArgs) => (Value | null)[];

/** Input i of the node, which a rule only reads when it exists. */
export function inp(node: Node, i: number): Value {
  const v = node.inputs[i];
  if (!v) throw new Error(`${node.op} ${node.name}: input ${i} is missing`);
  return v;
}
