/**
 * The scenario schema as a table: for every map in a scenario file, the keys it may hold, which
 * are required, which are mutually exclusive, and an example value used in error messages
 * ("missing required field "members" … Fix: add members: 3").
 *
 * Types and meaning are checked by the readers in scenario.ts, timeline.ts and expect.ts; this
 * table is what decides "unknown field", "missing field" and "exactly one of". To grow the format,
 * add keys here (optional ones keep old files valid) and read them where the map is converted.
 * scenarios/README.md documents the same table for users.
 */

export interface KeyRule {
  required: boolean;
  /** A YAML value for this key, as a user would write it. */
  example: string;
}

export interface Constraint {
  rule: 'exactlyOne' | 'atLeastOne' | 'atMostOne';
  keys: readonly string[];
  /** What one of these keys is, for messages: "verb", "timing", "condition". */
  label: string;
  /** How to fix a violation, when there is something better to say than "keep one". */
  fix?: string;
}

export interface Shape {
  keys: Readonly<Record<string, KeyRule>>;
  constraints?: readonly Constraint[];
}

const req = (example: string): KeyRule => ({ required: true, example });
const opt = (example: string): KeyRule => ({ required: false, example });

/**
 * Timeline verbs: each is a key of a step map, exactly one per step. The decoders live in
 * timeline.ts, in a table with the same keys (checked by the compiler).
 */
export const VERB_KEYS = {
  partition: opt('[[leader, a follower], rest]'),
  cut: opt('{from: leader, to: [etcd-3, etcd-4]}'),
  isolate: opt('a follower'),
  heal: opt('all'),
  netem: opt('{loss: 5%, duplication: 1%, reorder: 2%, for: 10s}'),
  crash: opt('leader'),
  restart: opt('etcd-1'),
  put: opt('{client: app, key: /demo/a, value: "1"}'),
  get: opt('{client: app, key: /demo/a}'),
  delete: opt('{client: app, key: /demo/a}'),
  apply: opt('{path: manifests/web.yaml}'),
  scale: opt('{object: deployment/web, replicas: 5}'),
  patch: opt('{object: node/worker-1, patch: {spec: {unschedulable: true}}}'),
  cordon: opt('worker-1'),
  uncordon: opt('worker-1'),
  drain: opt('{node: worker-1, ignoreDaemonsets: true}'),
  dig: opt('{node: worker-0, name: web.default.svc.cluster.local, type: A, id: q1}'),
  rollout: opt('{undo: deployment/web}'),
  'set-image': opt('{object: deployment/web, container: web, image: nginx:1.26}'),
  'add-nodes': opt('{name: big, count: 1}'),
} as const satisfies Record<string, KeyRule>;

export type VerbName = keyof typeof VERB_KEYS;
export const VERB_NAMES = Object.keys(VERB_KEYS) as VerbName[];

/** Subjects of an expectation's `that`: exactly one per expectation. */
export const SUBJECT_KEYS = {
  etcd: opt('{leader: any}'),
  op: opt('{id: w1, result: ok}'),
  pods: opt('{selector: app=web, phase: Running, count: 3}'),
  node: opt('{name: worker-0, condition: {type: Ready, status: "True"}}'),
  object: opt('{object: deployment/web, field: status.readyReplicas, equals: 3}'),
  request: opt('{id: d1, code: 403}'),
  event: opt('{reason: FailedScheduling}'),
  workload: opt('{object: deployment/web, available: 3}'),
  rollout: opt('{object: deployment/web}'),
  endpoints: opt('{service: web}'),
  running: opt('{object: deployment/web, maxAtOnce: {atMost: 6}}'),
  traffic: opt('{source: shoppers, successRate: {atLeast: 0.99}}'),
  env: opt('{selector: app=client, has: [WEB_SERVICE_HOST], lacks: [LATE_SERVICE_HOST]}'),
  dns: opt('{id: q1, rcode: NOERROR, answers: 1, type: A}'),
  property: opt('linearizability'),
} as const satisfies Record<string, KeyRule>;

/** The fields of a node entry: in spec.cluster.nodes and in add-nodes. */
const NODE_KEYS = {
  name: req('worker'),
  count: opt('3'),
  capacity: opt('{cpu: "4", memory: 8Gi, pods: 110}'),
  labels: opt('{disktype: ssd}'),
  taints: opt('[{key: dedicated, value: gpu, effect: NoSchedule}]'),
  zone: opt('zone-a'),
  imagePullBandwidth: opt('50Mi'),
  kubeProxy: opt('{mode: ipvs, ipvsScheduler: rr}'),
} as const satisfies Record<string, KeyRule>;

export type SubjectName = keyof typeof SUBJECT_KEYS;
export const SUBJECT_NAMES = Object.keys(SUBJECT_KEYS) as SubjectName[];

const ETCD_CONDITIONS = ['leader', 'role', 'term', 'termAbove', 'leaderUnchangedSince', 'leaderChangedSince', 'logsIdentical', 'value'] as const;
const OP_ASSERTIONS = ['acknowledged', 'result', 'readValue', 'readAbsent'] as const;

export const SHAPES = {
  scenario: {
    keys: {
      apiVersion: req('kubesim.io/v1alpha1'),
      kind: req('Scenario'),
      metadata: req('{name: my-scenario}'),
      spec: req('{duration: 60s, cluster: {etcd: {members: 3}}}'),
    },
  },
  metadata: {
    keys: {
      name: req('my-scenario'),
      description: opt('free text'),
    },
  },
  spec: {
    keys: {
      seed: opt('42'),
      duration: req('60s'),
      maxEvents: opt('5000000'),
      cluster: req('{etcd: {members: 3}}'),
      clients: opt('[{name: app, kind: etcd}]'),
      users: opt('[{name: alice, groups: [developers]}]'),
      workload: opt('[{path: manifests/web.yaml}]'),
      timeline: opt('[{at: 10s, crash: leader}]'),
      traffic: opt('[{name: shoppers, from: {node: worker-0}, to: web:80, rate: 20/s}]'),
      expect: opt('[{name: a leader is elected, within: {after: 0s, limit: 5s}, that: {etcd: {leader: any}}}]'),
    },
  },
  cluster: {
    keys: {
      etcd: req('{members: 3}'),
      network: opt('{latency: 1ms-5ms}'),
      controlPlane: opt('{apiservers: 1, schedulers: 1, controllerManagers: 1}'),
      nodes: opt('[{name: worker, count: 3}]'),
      dns: opt('{enabled: true, replicas: 2}'),
      externalServers: opt('[{name: billing-db, ip: 192.0.2.10, dnsName: db.example.com}]'),
    },
  },
  kubeProxy: {
    keys: {
      mode: opt('ipvs'),
      ipvsScheduler: opt('rr'),
      ipvsUnavailable: opt('false'),
    },
  },
  dns: {
    keys: {
      enabled: opt('true'),
      replicas: opt('2'),
    },
  },
  externalServer: {
    keys: {
      name: req('billing-db'),
      ip: req('192.0.2.10'),
      dnsName: opt('db.example.com'),
    },
  },
  trafficSource: {
    keys: {
      name: req('shoppers'),
      from: req('{node: worker-0}'),
      to: req('web:80'),
      rate: req('20/s'),
      clients: opt('4'),
      arrival: opt('poisson'),
      protocol: opt('TCP'),
      namespace: opt('default'),
      start: opt('10s'),
      stop: opt('60s'),
      timeout: opt('2s'),
      hold: opt('20ms'),
    },
  },
  trafficFrom: {
    keys: {
      node: req('worker-0'),
    },
  },
  trafficCondition: {
    keys: {
      source: opt('shoppers'),
      window: opt('{from: 10s, to: 60s}'),
      requests: opt('{atLeast: 100}'),
      ok: opt('{atLeast: 100}'),
      failed: opt('0'),
      successRate: opt('{atLeast: 0.99}'),
      backends: opt('3'),
      evenlySpread: opt('{tolerance: 0.1}'),
      sticky: opt('true'),
      sourcePreserved: opt('true'),
      servedBy: opt('{prefix: web-v2, count: {atLeast: 1}}'),
      latencyMsAtMost: opt('{p99: 50}'),
      results: opt('{refused: 0, timeout: {atMost: 5}}'),
    },
  },
  evenlySpread: { keys: { tolerance: req('0.1') } },
  servedBy: { keys: { prefix: req('web-v2'), count: req('{atLeast: 1}') } },
  latencyBounds: { keys: { p50: opt('10'), p90: opt('20'), p99: opt('50'), max: opt('2000') } },
  trafficResults: {
    keys: {
      ok: opt('{atLeast: 1}'),
      refused: opt('0'),
      timeout: opt('{atMost: 5}'),
      nxdomain: opt('0'),
      'dns-error': opt('0'),
      'dns-timeout': opt('0'),
      dropped: opt('0'),
    },
  },
  dig: {
    keys: {
      node: req('worker-0'),
      name: req('web.default.svc.cluster.local'),
      type: opt('SRV'),
      id: req('q1'),
    },
  },
  envCondition: {
    keys: {
      namespace: opt('default'),
      selector: opt('app=client'),
      has: opt('[WEB_SERVICE_HOST]'),
      lacks: opt('[LATE_SERVICE_HOST]'),
    },
    constraints: [{ rule: 'atLeastOne', keys: ['has', 'lacks'], label: 'assertion' }],
  },
  dnsCondition: {
    keys: {
      id: req('q1'),
      rcode: opt('NOERROR'),
      answers: opt('{atLeast: 1}'),
      type: opt('A'),
      contains: opt('web.default.svc.cluster.local'),
    },
  },
  trafficWindow: {
    keys: {
      from: req('10s'),
      to: opt('60s'),
    },
  },
  controlPlane: {
    keys: {
      apiservers: opt('1'),
      schedulers: opt('1'),
      controllerManagers: opt('1'),
      schedulerConfiguration: opt('{profiles: [{schedulerName: default-scheduler}]}'),
    },
  },
  node: { keys: NODE_KEYS },
  capacity: {
    keys: {
      cpu: opt('"4"'),
      memory: opt('8Gi'),
      pods: opt('110'),
    },
  },
  taint: {
    keys: {
      key: req('dedicated'),
      value: opt('gpu'),
      effect: req('NoSchedule'),
    },
  },
  user: {
    keys: {
      name: req('alice'),
      groups: opt('[developers]'),
      token: opt('alice-token'),
      identity: opt('system:node:worker-0'),
    },
  },
  manifestFile: {
    keys: {
      path: req('manifests/web.yaml'),
    },
  },
  etcd: {
    keys: {
      members: req('3'),
      preVote: opt('true'),
      checkQuorum: opt('true'),
      heartbeatInterval: opt('100ms'),
      electionTimeout: opt('1000ms'),
      requestTimeout: opt('7s'),
    },
  },
  netem: {
    keys: {
      on: opt('[worker-0, leader]'),
      between: opt('[[leader], rest]'),
      loss: opt('5%'),
      duplication: opt('1%'),
      reorder: opt('2%'),
      reorderDelay: opt('50ms'),
      for: opt('10s'),
    },
    constraints: [
      { rule: 'atMostOne', keys: ['on', 'between'], label: 'scope', fix: 'keep one: on (links to or from these hosts), between (links between these groups), or neither (every link)' },
      { rule: 'atLeastOne', keys: ['loss', 'duplication', 'reorder'], label: 'impairment', fix: 'add loss, duplication or reorder, like loss: 5%' },
    ],
  },
  network: {
    keys: {
      latency: opt('1ms-5ms'),
      loss: opt('1%'),
      duplication: opt('0%'),
      reorder: opt('0%'),
      reorderDelay: opt('50ms'),
    },
  },
  client: {
    keys: {
      name: req('app'),
      kind: req('etcd'),
      endpoints: opt('[etcd-0, etcd-1]'),
    },
  },
  step: {
    keys: {
      at: req('10s'),
      as: opt('lonely'),
      ...VERB_KEYS,
    },
    constraints: [
      {
        rule: 'exactlyOne',
        keys: VERB_NAMES,
        label: 'verb',
        fix: 'give each step exactly one verb; to do several things at once, write several steps with the same "at"',
      },
    ],
  },
  put: {
    keys: {
      client: req('app'),
      key: req('/demo/a'),
      value: req('"1"'),
      via: opt('leader'),
      id: opt('w1'),
    },
  },
  get: {
    keys: {
      client: req('app'),
      key: req('/demo/a'),
      consistency: opt('linearizable'),
      via: opt('leader'),
      id: opt('r1'),
    },
  },
  delete: {
    keys: {
      client: req('app'),
      key: req('/demo/a'),
      via: opt('leader'),
      id: opt('d1'),
    },
  },
  apply: {
    keys: {
      path: opt('manifests/web.yaml'),
      manifest: opt('{apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: web, image: nginx}]}}'),
      manifests: opt('[{path: manifests/web.yaml}]'),
      user: opt('alice'),
      id: opt('a1'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['path', 'manifest', 'manifests'], label: 'manifest' }],
  },
  kubectlDelete: {
    keys: {
      object: req('pod/web'),
      namespace: opt('default'),
      user: opt('alice'),
      gracePeriod: opt('0s'),
      cascade: opt('foreground'),
      id: opt('d1'),
    },
  },
  rollout: {
    keys: {
      undo: opt('deployment/web'),
      pause: opt('deployment/web'),
      resume: opt('deployment/web'),
      restart: opt('deployment/web'),
      toRevision: opt('1'),
      namespace: opt('default'),
      user: opt('alice'),
      id: opt('u1'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['undo', 'pause', 'resume', 'restart'], label: 'rollout action', fix: 'write one of undo, pause, resume, restart, like rollout: {undo: deployment/web}' }],
  },
  setImage: {
    keys: {
      object: req('deployment/web'),
      container: req('web'),
      image: req('nginx:1.26'),
      namespace: opt('default'),
      user: opt('alice'),
      id: opt('i1'),
    },
  },
  scale: {
    keys: {
      object: req('deployment/web'),
      replicas: req('5'),
      namespace: opt('default'),
      user: opt('alice'),
      id: opt('s1'),
    },
  },
  patch: {
    keys: {
      object: req('node/worker-1'),
      patch: req('{spec: {unschedulable: true}}'),
      subresource: opt('status'),
      namespace: opt('default'),
      user: opt('alice'),
      id: opt('p1'),
    },
  },
  cordon: {
    keys: {
      node: req('worker-1'),
      user: opt('alice'),
      id: opt('c1'),
    },
  },
  drain: {
    keys: {
      node: req('worker-1'),
      ignoreDaemonsets: opt('true'),
      deleteEmptydirData: opt('true'),
      force: opt('true'),
      timeout: opt('10m'),
      gracePeriod: opt('5s'),
      user: opt('alice'),
      id: opt('d1'),
    },
  },
  cut: {
    keys: {
      from: req('leader'),
      to: req('[etcd-3, etcd-4]'),
    },
  },
  expectation: {
    keys: {
      name: req('a leader is elected'),
      at: opt('15s'),
      within: opt('{after: 10s, limit: 2s}'),
      always: opt('{from: 11s, to: 60s}'),
      that: req('{etcd: {leader: any}}'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['at', 'within', 'always'], label: 'timing' }],
  },
  within: {
    keys: {
      after: req('10s'),
      limit: req('2s'),
    },
  },
  always: {
    keys: {
      from: req('10s'),
      to: req('60s'),
    },
  },
  that: {
    keys: SUBJECT_KEYS,
    constraints: [{ rule: 'exactlyOne', keys: Object.keys(SUBJECT_KEYS), label: 'subject' }],
  },
  etcdCondition: {
    keys: {
      group: opt('minority'),
      leader: opt('any'),
      role: opt('{member: etcd-2, is: follower}'),
      term: opt('{member: etcd-2, atLeast: 2}'),
      termAbove: opt('10s'),
      leaderUnchangedSince: opt('5s'),
      leaderChangedSince: opt('14s'),
      logsIdentical: opt('true'),
      value: opt('{key: /demo/a, equals: "1"}'),
    },
    constraints: [{ rule: 'atLeastOne', keys: ETCD_CONDITIONS, label: 'condition' }],
  },
  role: {
    keys: {
      member: req('etcd-2'),
      is: req('follower'),
    },
  },
  term: {
    keys: {
      member: req('etcd-2'),
      equals: opt('3'),
      atLeast: opt('3'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['equals', 'atLeast'], label: 'comparison' }],
  },
  value: {
    keys: {
      key: req('/demo/a'),
      equals: opt('"1"'),
      absent: opt('true'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['equals', 'absent'], label: 'comparison' }],
  },
  opCondition: {
    keys: {
      id: opt('w1'),
      client: opt('app'),
      key: opt('/demo/b'),
      acknowledged: opt('false'),
      result: opt('ok'),
      readValue: opt('"1"'),
      readAbsent: opt('true'),
    },
    constraints: [
      { rule: 'atLeastOne', keys: OP_ASSERTIONS, label: 'assertion' },
      { rule: 'atMostOne', keys: ['readValue', 'readAbsent'], label: 'read assertion' },
    ],
  },
  podsCondition: {
    keys: {
      namespace: opt('default'),
      selector: opt('app=web'),
      phase: opt('Running'),
      ready: opt('true'),
      scheduled: opt('true'),
      nodeName: opt('{not: worker-1}'),
      count: opt('3'),
    },
  },
  nodeCondition: {
    keys: {
      name: req('worker-0'),
      condition: opt('{type: Ready, status: "True"}'),
      registered: opt('true'),
    },
    constraints: [{ rule: 'atLeastOne', keys: ['condition', 'registered'], label: 'assertion' }],
  },
  /** A compared value written as a map: `{not: v}`, `{not: [a, b]}` or `{in: [a, b]}`. */
  match: {
    keys: {
      not: opt('worker-1'),
      in: opt('[worker-0, worker-2]'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['not', 'in'], label: 'comparison', fix: 'write {not: <value>} or {in: [<value>, …]}' }],
  },
  nodeConditionStatus: {
    keys: {
      type: req('Ready'),
      status: req('"True"'),
    },
  },
  objectCondition: {
    keys: {
      object: req('deployment/web'),
      namespace: opt('default'),
      field: opt('status.readyReplicas'),
      equals: opt('3'),
      exists: opt('true'),
    },
    constraints: [{ rule: 'exactlyOne', keys: ['equals', 'exists'], label: 'assertion' }],
  },
  workloadCondition: {
    keys: {
      object: req('deployment/web'),
      namespace: opt('default'),
      replicas: opt('3'),
      ready: opt('3'),
      available: opt('3'),
      updated: opt('3'),
      revision: opt('2'),
      active: opt('1'),
      succeeded: opt('1'),
      failed: opt('0'),
      condition: opt('{type: Available, status: "True"}'),
    },
    constraints: [{ rule: 'atLeastOne', keys: ['replicas', 'ready', 'available', 'updated', 'revision', 'active', 'succeeded', 'failed', 'condition'], label: 'assertion' }],
  },
  workloadConditionStatus: {
    keys: {
      type: req('Available'),
      status: req('"True"'),
      reason: opt('MinimumReplicasAvailable'),
    },
  },
  countBound: {
    keys: {
      not: opt('0'),
      in: opt('[2, 3]'),
      atLeast: opt('2'),
      atMost: opt('5'),
    },
  },
  runningCondition: {
    keys: {
      object: req('deployment/web'),
      namespace: opt('default'),
      count: opt('3'),
      maxAtOnce: opt('{atMost: 4}'),
    },
    constraints: [{ rule: 'atLeastOne', keys: ['count', 'maxAtOnce'], label: 'assertion' }],
  },
  rolloutCondition: {
    keys: {
      object: req('deployment/web'),
      namespace: opt('default'),
    },
  },
  endpointsCondition: {
    keys: {
      service: req('web'),
      namespace: opt('default'),
    },
  },
  requestCondition: {
    keys: {
      id: req('d1'),
      code: opt('403'),
      messageContains: opt('forbidden'),
    },
    constraints: [{ rule: 'atLeastOne', keys: ['code', 'messageContains'], label: 'assertion' }],
  },
  eventCondition: {
    keys: {
      reason: req('FailedScheduling'),
      messageContains: opt('0/3 nodes are available'),
      object: opt('pod/web'),
      namespace: opt('default'),
    },
  },
} as const satisfies Record<string, Shape>;
