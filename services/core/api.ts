// The wire contract of the HTTP API: the JSON shapes the controller answers
// and the CLI reads (docs/architecture.md, "Controller HTTP API"). Types only:
// the CLI imports this file and nothing else of the services.

import type { BuildPhases, BuildStatus } from './builds.js';
import type { InstanceState } from './types.js';

export type { LogSessionRequest, LogSource } from './logs.js';

export interface UserRef {
  id: string;
  email: string | null;
}

export interface AppInfo {
  id: string;
  name: string;
  owner: UserRef;
  created_at: string;
  web_url: string;
  git_url: string;
  release: { version: number } | null;
  maintenance: boolean;
  /** The host tags the app's containers require (`paas apps:pool`); null: any host. */
  pool: Record<string, string> | null;
}

export interface ReleaseView {
  id: string;
  version: number;
  description: string;
  commit: string | null;
  created_at: string;
  user: UserRef;
}

export interface KeyView {
  id: string;
  fingerprint: string;
  public_key: string;
  comment: string;
  created_at: string;
}

export interface HostView {
  id: string;
  address: string | null;
  /** Effective tags: the agent's with the overrides applied (what placement uses). */
  tags: Record<string, string>;
  agent_tags: Record<string, string>;
  tag_overrides: Record<string, string | null>;
  capacity: { memory_mb: number; cpus: number } | null;
  /** The capacity as the scheduler counts it for placement (capacity × its overcommit factors); null when unknown. */
  placement_capacity: { memory_mb: number; cpus: number } | null;
  allocated: { memory_mb: number; cpu_shares: number; containers: number };
  used: { memory_mb: number; cpus: number } | null;
  registered_at: string | null;
  state: 'up' | 'down';
}

export interface DomainView {
  id: string;
  hostname: string;
  kind: 'default' | 'custom';
  created_at: string;
}

export interface TokenView {
  id: string;
  description: string;
  created_at: string;
  last4?: string;
}

export interface FormationEntryView {
  type: string;
  quantity: number;
  size: string;
}

export interface SizeView {
  name: string;
  memory_mb: number;
  cpu_shares: number;
  /** Heroku's field: memory in GB. */
  memory: number;
  /** The dyno's writable disk space. */
  disk_mb: number;
  /** Its network rates, Mbit/s: what it sends, what it receives (tc, agent/bandwidth.ts). */
  egress_mbit: number;
  ingress_mbit: number;
}

export interface ProcessStatus {
  name: string;
  /** up: the recorded process runs; down: it does not (starting again after a crash, or stopped). */
  state: 'up' | 'down';
  supervisor: string;
  pid: number | null;
  up_since: string | null;
  restarts: number;
  last_exit: string | null;
}

export interface PlatformStatus {
  processes: ProcessStatus[];
}

export interface DrainView {
  id: string;
  url: string;
  token: string;
  created_at: string;
  updated_at: string;
  addon: null;
  app: { name: string };
}

export interface CollaboratorView {
  id: string;
  user: UserRef;
  role: 'owner' | 'collaborator';
  created_at: string;
}

/** Heroku's dyno shape, as POST /apps/:app/dynos answers. */
export interface RunDynoView {
  id: string;
  name: string;
  type: 'run';
  command: string;
  attach_url: string | null;
  state: InstanceState;
  size: string;
  release: { version: number };
  app: { name: string };
  time_to_live: number;
  created_at: string;
  updated_at: string;
}

export interface DynoView {
  id: string;
  name: string; // web.1
  type: string;
  state: InstanceState;
  release: { version: number };
  size: string;
  command: string;
  host: string;
  created_at: string;
  updated_at: string;
  /** Times the agent restarted the container after it exited or failed its health check. */
  restarts: number;
  /** Exit code of its last exit; null if it never exited. */
  exit_code: number | null;
  /** When its container last started; null before it has. */
  started_at: string | null;
}

export interface BuildView {
  id: string;
  app: { name: string };
  status: BuildStatus;
  source_blob: { version: string };
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
  release: { version: number } | null;
  phases: BuildPhases;
  failure: string | null;
}
