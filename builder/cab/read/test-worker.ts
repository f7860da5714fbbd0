/**
 * A worker of read/parallel-test.ts: tests the batches of MSZIP blocks posted to it
 * (test-batch.ts) and posts each answer back, with its thread id.
 */
import { parentPort, threadId } from "node:worker_threads";
import { type TestBatch, testBatch } from "./test-batch.js";

const port = parentPort;
if (port) port.on("message", (batch: TestBatch) => port.postMessage(testBatch(batch, threadId)));
