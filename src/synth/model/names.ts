/** Shared checks for names and values that several constructs own. Each returns a problem or undefined. */

/**
 * The name patterns the model checks and the charts' values schemas enforce, declared once: what the
 * model accepts, Helm accepts too.
 */
export const NAME_PATTERNS = {
  /** A DNS-1123 label (namespaces, most object names). */
  dnsLabel: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  /** A DNS-1123 subdomain (a Gateway's name, a listener's section name), up to {@link DNS_SUBDOMAIN_MAX} characters. */
  dnsSubdomain: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  /** A Gateway API hostname: a DNS subdomain, optionally under one leading `*.` wildcard. */
  gatewayHostname: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
} as const;

/** A label key Kubernetes accepts: an optional DNS-subdomain prefix and `/`, then a name of up to 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (
    prefix !== undefined &&
    (prefix.length > DNS_SUBDOMAIN_MAX || !new RegExp(NAME_PATTERNS.dnsSubdomain).test(prefix))
  ) {
    return `"${key}": the prefix before "/" must be a DNS subdomain`;
  }
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name)
    ? undefined
    : `"${key}" must be a label name: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
}

/** A label value Kubernetes accepts: empty, or up to 63 letters, digits, `-`, `_`, `.`, alphanumeric at both ends. */
export function labelValueProblem(value: string): string | undefined {
  return value === '' || /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value)
    ? undefined
    : `"${value}" must be a label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
}

/** Longest DNS subdomain (and hostname); patterns carry no length (Helm's schema checker reads RE2, which has no lookahead). */
export const DNS_SUBDOMAIN_MAX = 253;

/** A Kubernetes object name of many labels (a Gateway, a listener's section name). */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > DNS_SUBDOMAIN_MAX || !new RegExp(NAME_PATTERNS.dnsSubdomain).test(value)) {
    return `"${value}" must be a DNS subdomain: lowercase labels of letters, digits and "-" joined by ".", at most 253 characters`;
  }
  return undefined;
}

/** A route hostname as the Gateway API takes it, e.g. `agent.example.com` or `*.example.com`. */
export function gatewayHostnameProblem(value: string): string | undefined {
  if (value.length > DNS_SUBDOMAIN_MAX || !new RegExp(NAME_PATTERNS.gatewayHostname).test(value)) {
    return `"${value}" must be a lowercase hostname such as agent.example.com (one leading *. allowed), without a port or scheme`;
  }
  return undefined;
}

/** A DNS-1123 label: what Kubernetes accepts for most object names. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > 63) return `must be 1–63 characters, got ${value.length}`;
  if (!new RegExp(NAME_PATTERNS.dnsLabel).test(value)) {
    return `"${value}" must be lowercase letters, digits and "-", starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * A branch name the pipelines can put into refs, YAML and `if:` expressions: git's ref format
 * (no `..`, `//`, trailing `/`, `.` or `.lock`) over a conservative alphabet (letters, digits,
 * `.`, `_`, `/`, `-`), so no quote can end a string in an expression.
 */
export function branchNameProblem(value: string): string | undefined {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) ||
    /\.\.|\/\/|\/$|\.$|\.lock$|\/\./.test(value) ||
    value.length > 255
  ) {
    return `"${value}" must be a branch name: letters, digits, ".", "_", "/" and "-", starting with a letter or digit, without "..", "//" or a trailing "/", "." or ".lock"`;
  }
  return undefined;
}

/** One path component of an OCI image name (lowercase, separators . _ __ -). */
export function imageNameProblem(value: string): string | undefined {
  if (!/^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/.test(value)) {
    return `"${value}" is not a valid image name (lowercase letters, digits, and . _ - between them)`;
  }
  return undefined;
}

/** A TCP port a non-root container can listen on. */
export function portProblem(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1024 || value > 65535) {
    return `must be an integer from 1024 to 65535 (the container runs as non-root), got ${value}`;
  }
  return undefined;
}

/** An absolute HTTP path such as `/health`. */
export function httpPathProblem(value: string): string | undefined {
  if (!/^\/[A-Za-z0-9\-._~/]*$/.test(value)) return `"${value}" must be an absolute path such as /health`;
  return undefined;
}

/** A relative folder in the repository, e.g. `services/tts`. */
export function repoPathProblem(value: string): string | undefined {
  if (value === '' || value.startsWith('/') || value.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    return `"${value}" must be a relative path inside the repository, e.g. services/tts`;
  }
  if (/[*?[\]{}\s]/.test(value)) return `"${value}" must not contain glob characters or spaces`;
  return undefined;
}

/** A Kubernetes resource quantity such as `250m`, `1`, `512Mi`. */
export function quantityProblem(value: string): string | undefined {
  if (!/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(value)) {
    return `"${value}" is not a Kubernetes quantity such as 250m or 512Mi`;
  }
  return undefined;
}

/**
 * An image reference that pins what runs: a digest (`name@sha256:…`), or a tag other than
 * `latest`. Used by job service containers, the workflow policy and the workload rules.
 */
export function imageReferenceProblem(image: string): string | undefined {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  if (!tag || tag === 'latest') return `image "${image}" needs a tag other than latest, or a digest`;
  return undefined;
}
