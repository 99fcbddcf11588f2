/**
 * The well-known labels of discovery.k8s.io EndpointSlices (k8s.io/api/discovery/v1
 * well_known_labels.go): which Service a slice serves, and which controller manages it. The
 * EndpointSlice and mirroring controllers write them; kube-proxy, cluster DNS and the apiserver's
 * write trace read them.
 */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** The value of MANAGED_BY_LABEL on the slices the EndpointSlice controller owns. */
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
