import type { Task } from "../core/task.js";

/** A task of the suite held in memory before it is written: the shape of a loaded Task, minus its folder. */
export type SuiteTask = Task extends infer T ? (T extends unknown ? Omit<T, "dir"> : never) : never;

/** What one source contributed: its tasks and a line of counts about how its rows were read. */
export interface SourceTasks {
  tasks: SuiteTask[];
  /** Per task name, facts worth printing (duplicates merged, rows held out, ...). */
  notes: Record<string, string>;
}
