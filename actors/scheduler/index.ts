/**
 * kube-scheduler's pure core for kubesim: the framework (snapshot, scheduleOne, statuses), the
 * in-tree plugins and profiles, the scheduling queue and the assume cache. No I/O, no time, no
 * global randomness: the scheduler actor owns those and passes them in.
 */
export * from './framework/index.ts';
export { AssumeCache } from './assume.ts';
export {
  backoffDurationMs,
  DEFAULT_POD_INITIAL_BACKOFF_MS,
  DEFAULT_POD_MAX_BACKOFF_MS,
  DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS,
  DEFAULT_QUEUE_CAPACITY,
  SchedulingQueue,
  UNSCHEDULABLE_FLUSH_INTERVAL_MS,
  type QueuedPodInfo,
  type QueueName,
  type QueueOptions,
} from './queue.ts';
export {
  buildProfile,
  DEFAULT_PLUGINS,
  DEFAULT_SCHEDULER_NAME,
  defaultProfile,
  inTreeRegistry,
  type PluginConfig,
  type PluginFactory,
  type ProfileConfig,
} from './plugins/registry.ts';
export { parseSchedulerConfiguration, type SchedulerConfiguration } from './plugins/scheduler-config.ts';
