/** The six benchmark workloads by id (DESIGN.md, "Benchmarks"). */
import { w1 } from './w1-rnn-bptt.js';
import { w2 } from './w2-lstm-bptt.js';
import { w3 } from './w3-lstm-tbptt.js';
import { w4 } from './w4-rbm-cd1.js';
import { w5 } from './w5-dbn-pretrain.js';
import { w6 } from './w6-deep-mlp.js';
import type { Workload, WorkloadId } from './workload.js';

/** Every workload, W1 first. */
export const WORKLOADS: Record<WorkloadId, Workload> = { W1: w1, W2: w2, W3: w3, W4: w4, W5: w5, W6: w6 };
