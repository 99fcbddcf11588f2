import type { ApiStatus } from './protocol.ts';

/**
 * metav1.Status builders with the apiserver's exact reasons and messages
 * (apimachinery pkg/api/errors/errors.go).
 */

export interface FieldCause {
  /** Field path, e.g. "spec.containers[0].image". */
  field: string;
  /** "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden". */
  reason: string;
  message: string;
}

function status(code: number, reason: string, message: string, details?: ApiStatus['details']): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
}

/** `group` is "" for the core group. `resource` is the plural, e.g. "pods", "deployments.apps". */
function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

export function notFound(resource: string, group: string, name: string): ApiStatus {
  return status(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });
}

export function alreadyExists(resource: string, group: string, name: string): ApiStatus {
  return status(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource });
}

export function conflict(resource: string, group: string, name: string): ApiStatus {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );
}

/** 422: `Kind "name" is invalid: [field: Reason: detail, ...]`. */
export function invalid(kind: string, group: string, name: string, causes: FieldCause[]): ApiStatus {
  const listed = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${kind}${group === '' ? '' : `.${group}`} "${name}" is invalid: ${listed.length === 1 ? listed[0] : `[${listed.join(', ')}]`}`;
  return status(422, 'Invalid', message, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

/** 403 from admission or authorization: `pods "x" is forbidden: <reason>`. */
export function forbidden(resource: string, group: string, name: string, reason: string): ApiStatus {
  const subject = name === '' ? qualified(resource, group) : `${qualified(resource, group)} "${name}"`;
  return status(403, 'Forbidden', `${subject} is forbidden: ${reason}`, { name, group, kind: resource });
}

export function unauthorized(): ApiStatus {
  return status(401, 'Unauthorized', 'Unauthorized');
}

/** 410 for a watch or list at a compacted or too-old resourceVersion. */
export function gone(message: string): ApiStatus {
  return status(410, 'Expired', message);
}

export function badRequest(message: string): ApiStatus {
  return status(400, 'BadRequest', message);
}

/** metav1.StatusReasonUnknown: the empty string (a Status's JSON then has no reason at all). */
export const STATUS_REASON_UNKNOWN = '';

/**
 * A raw (non-Status) error as the apiserver answers it, e.g. etcd's `etcdserver: request timed
 * out` (endpoints/handlers/responsewriters/status.go `ErrorToAPIStatus`): 500, reason
 * StatusReasonUnknown, the error's text as the message, no details.
 */
export function unknownError(message: string): ApiStatus {
  return status(500, STATUS_REASON_UNKNOWN, message);
}

/** errors.NewInternalError: 500 `Internal error occurred: <err>`, reason InternalError. */
export function internalError(message: string): ApiStatus {
  return status(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: '', message, field: '' }] });
}

/**
 * errors.NewTooManyRequests: 429, reason TooManyRequests, `retryAfterSeconds` in the details
 * when above 0, and the causes (the eviction API's DisruptionBudget cause).
 */
export function tooManyRequests(message: string, retryAfterSeconds: number, causes: { reason: string; message: string }[] = []): ApiStatus {
  return status(429, 'TooManyRequests', message, {
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    ...(causes.length > 0 ? { causes: causes.map((c) => ({ ...c, field: '' })) } : {}),
  });
}

/** errors.NewServiceUnavailable: 503, reason ServiceUnavailable. */
export function serviceUnavailable(message: string): ApiStatus {
  return status(503, 'ServiceUnavailable', message);
}

export function timeout(message = 'Timeout: request did not complete within the allotted timeout'): ApiStatus {
  return status(504, 'Timeout', message);
}

export function methodNotAllowed(message: string): ApiStatus {
  return status(405, 'MethodNotAllowed', message);
}

export function success(message = ''): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Success', message, reason: '', code: 200 };
}

export function isStatus(body: unknown): body is ApiStatus {
  return typeof body === 'object' && body !== null && (body as { kind?: string }).kind === 'Status';
}
