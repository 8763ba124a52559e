/**
 * Worker thread that owns the query encoder. ONNX Runtime's session.run holds the thread it runs on,
 * so encoding here keeps the server's event loop free to accept, validate and answer other requests.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Embedder } from "../core/embedder.js";
import { loadEmbedder } from "../embed/load.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./worker-protocol.js";

const port = parentPort!;
const setup = workerData as WorkerSetup;
let embedder: Embedder;
try {
  embedder = await loadEmbedder(setup.spec, { threads: setup.threads });
  port.postMessage({
    type: "ready",
    info: { name: embedder.name, dim: embedder.dim, described: embedder.describe?.() },
  } satisfies WorkerReply);
} catch (e) {
  port.postMessage({ type: "fatal", message: (e as Error).message } satisfies WorkerReply);
  process.exit(1);
}

port.on("message", (req: WorkerRequest) => {
  const run =
    req.side === "query"
      ? embedder.encodeQueries(req.texts, req.task)
      : embedder.encodeCorpus(
          req.texts.map((text, i) => ({ id: String(i), text })),
          req.task,
        );
  run.then(
    (vectors) => {
      // Transfer, not copy: the buffers move to the main thread.
      const own = vectors.map((v) =>
        v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice(),
      );
      port.postMessage(
        { type: "result", id: req.id, vectors: own } satisfies WorkerReply,
        own.map((v) => v.buffer as ArrayBuffer),
      );
    },
    (e: unknown) =>
      port.postMessage({ type: "error", id: req.id, message: (e as Error).message } satisfies WorkerReply),
  );
});
